package org.settee.cluster;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The services this node serves and their ports, as clients find them in {@code nodesExt}. Only
 * what really answers is listed: clients ping every advertised service.
 *
 * @param kvTls 0 when KV over TLS is not served
 * @param mgmt 0 when the management REST API is not served
 * @param mgmtTls 0 when management over TLS is not served
 */
public record NodeServices(int kv, int kvTls, int mgmt, int mgmtTls) {
  /** The {@code services} object of a {@code nodesExt} entry. */
  public Map<String, Integer> asMap() {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put("kv", kv);
    if (kvTls != 0) {
      m.put("kvSSL", kvTls);
    }
    if (mgmt != 0) {
      m.put("mgmt", mgmt);
    }
    if (mgmtTls != 0) {
      m.put("mgmtSSL", mgmtTls);
    }
    return m;
  }
}
