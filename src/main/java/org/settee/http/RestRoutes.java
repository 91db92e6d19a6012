package org.settee.http;

import static io.netty.handler.codec.http.HttpMethod.DELETE;
import static io.netty.handler.codec.http.HttpMethod.POST;
import static io.netty.handler.codec.http.HttpMethod.PUT;
import static org.settee.security.Privilege.BUCKET_FLUSH;
import static org.settee.security.Privilege.BUCKET_MANAGE;
import static org.settee.security.Privilege.CLUSTER_ADMIN;
import static org.settee.security.Privilege.SELECT;
import static org.settee.security.Privilege.SYSTEM_SETTINGS;

import java.util.List;

/**
 * The management REST API as a table: method, path, the privilege asked (named in a 403 as
 * ns_server's permission, after menelaus_web.erl) and the handler. Reads of in-memory state run
 * inline; writes are serialised off the event loops.
 */
final class RestRoutes {
  private RestRoutes() {}

  static List<Route> all(
      PoolsResource pools,
      ClusterConfigResource configs,
      BucketsResource buckets,
      UsersResource users,
      RolesResource roles,
      CertificatesResource certificates,
      ClientCertAuthResource clientCertAuth,
      AutoCompactionResource autoCompaction) {
    Access poolsRead = Access.cluster(SYSTEM_SETTINGS, "cluster.pools!read");
    Access bucketRead = Access.bucket(SELECT, "cluster.bucket[{bucket}].settings!read");
    Access securityRead = Access.cluster(CLUSTER_ADMIN, "cluster.admin.security!read");
    Access securityWrite = Access.cluster(CLUSTER_ADMIN, "cluster.admin.security!write");
    return List.of(
        Route.get("/pools", poolsRead, pools::pools),
        Route.get("/pools/default", poolsRead, pools::poolDefault),
        Route.get("/pools/default/tasks", poolsRead, pools::tasks),
        Route.get("/pools/default/rebalanceProgress", poolsRead, pools::rebalanceProgress),
        Route.get("/nodes/self", poolsRead, pools::nodeSelf),
        Route.get("/nodeStatuses", poolsRead, pools::nodeStatuses),
        Route.get("/pools/default/nodeServices", poolsRead, configs::nodeServices),
        Route.get("/pools/default/nodeServicesStreaming", poolsRead, configs::nodeServicesStream),
        Route.get("/pools/default/b/{bucket}", bucketRead, configs::terseBucket),
        Route.get("/pools/default/bs/{bucket}", bucketRead, configs::terseBucketStream),
        Route.get("/pools/default/bucketsStreaming/{bucket}", bucketRead, configs::bucketStream),
        // Everyone may ask; the list holds only the buckets the caller may read.
        Route.get("/pools/default/buckets", Access.authenticated(), buckets::list),
        Route.write(
            POST,
            "/pools/default/buckets",
            Access.cluster(CLUSTER_ADMIN, "cluster.buckets!create"),
            buckets::create),
        Route.get("/pools/default/buckets/{bucket}", bucketRead, buckets::get),
        Route.write(
            POST,
            "/pools/default/buckets/{bucket}",
            Access.bucket(BUCKET_MANAGE, "cluster.bucket[{bucket}].settings!write"),
            buckets::update),
        Route.write(
            DELETE,
            "/pools/default/buckets/{bucket}",
            Access.bucket(BUCKET_MANAGE, "cluster.bucket[{bucket}]!delete"),
            buckets::delete),
        Route.write(
            POST,
            "/pools/default/buckets/{bucket}/controller/doFlush",
            Access.bucket(BUCKET_FLUSH, "cluster.bucket[{bucket}]!flush"),
            buckets::flush),
        Route.write(
            POST,
            "/pools/default/buckets/{bucket}/controller/compactBucket",
            Access.bucket(BUCKET_MANAGE, "cluster.bucket[{bucket}]!compact"),
            buckets::compact),
        Route.write(
            POST,
            "/pools/default/buckets/{bucket}/controller/compactDatabases",
            Access.bucket(BUCKET_MANAGE, "cluster.bucket[{bucket}]!compact"),
            buckets::compact),
        Route.get("/settings/rbac/roles", securityRead, roles::roles),
        Route.get("/settings/rbac/users", securityRead, users::list),
        Route.get("/settings/rbac/users/local", securityRead, users::list),
        Route.get("/settings/rbac/users/local/{user}", securityRead, users::get),
        Route.write(PUT, "/settings/rbac/users/local/{user}", securityWrite, users::put),
        Route.write(DELETE, "/settings/rbac/users/local/{user}", securityWrite, users::delete),
        Route.get("/whoami", Access.authenticated(), roles::whoami),
        Route.get("/pools/default/trustedCAs", poolsRead, certificates::trustedCas),
        Route.get("/pools/default/certificate", poolsRead, certificates::certificate),
        Route.write(
            POST, "/node/controller/reloadCertificate", securityWrite, certificates::reload),
        Route.write(
            POST, "/node/controller/loadTrustedCAs", securityWrite, certificates::loadTrustedCas),
        Route.get("/settings/clientCertAuth", securityRead, clientCertAuth::get),
        Route.write(POST, "/settings/clientCertAuth", securityWrite, clientCertAuth::post),
        Route.get(
            "/settings/autoCompaction",
            Access.cluster(SYSTEM_SETTINGS, "cluster.settings!read"),
            autoCompaction::get),
        Route.write(
            POST,
            "/controller/setAutoCompaction",
            Access.cluster(CLUSTER_ADMIN, "cluster.settings!write"),
            autoCompaction::set));
  }
}
