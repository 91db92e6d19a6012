package org.settee.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.settee.kv.Bucket;
import org.settee.kv.BucketSettings;
import org.settee.kv.BucketType;
import org.settee.node.SetteeNode;
import org.settee.security.Privilege;
import org.settee.storage.CorruptStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets as the SDK's BucketManager drives them: list, get, create (202 and a Location), update,
 * delete and flush, with the answers it pattern-matches ("Bucket with given name already exists",
 * "Flush is disabled", 404 for a missing bucket).
 */
final class BucketsResource {
  private static final Logger LOG = LoggerFactory.getLogger(BucketsResource.class);

  private final SetteeNode node;
  private final BucketJson json;
  private final MemoryQuota quota;

  BucketsResource(SetteeNode node, BucketJson json, MemoryQuota quota) {
    this.node = node;
    this.json = json;
    this.quota = quota;
  }

  /** {@code GET /pools/default/buckets}: the buckets this user may see, by name. */
  RestResponse list(RestRequest request) {
    ArrayNode list = Json.array();
    node.buckets().all().stream()
        .sorted(Comparator.comparing(Bucket::name))
        .filter(b -> request.user().can(Privilege.SELECT, b.name()))
        .forEach(b -> list.add(json.tree(b, request.host())));
    return RestResponse.json(
        HttpResponseStatus.OK, Json.withHost(Json.bytes(list), request.host()));
  }

  /** {@code GET /pools/default/buckets/<b>}. */
  RestResponse get(RestRequest request) {
    return RestResponse.json(HttpResponseStatus.OK, json.full(bucket(request), request.host()));
  }

  /** {@code POST /pools/default/buckets}: 202 with a Location once the bucket serves. */
  RestResponse create(RestRequest request) {
    BucketSettings settings =
        BucketForm.create(
            request.form(), node.buckets().all(), quota, node.clusterConfig().purgeIntervalDays());
    if ("1".equals(request.query("just_validate"))) {
      return RestResponse.json(Json.object().set("errors", Json.object()));
    }
    try {
      node.createBucket(settings);
    } catch (IllegalStateException e) {
      if (node.buckets().get(settings.name()) != null) {
        throw RestException.invalid("name", "Bucket with given name already exists");
      }
      throw e;
    } catch (CorruptStorageException | UncheckedIOException e) {
      throw diskRefused("bucket " + settings.name() + " not created", e);
    }
    return RestResponse.empty(HttpResponseStatus.ACCEPTED)
        .withHeader(HttpHeaderNames.LOCATION.toString(), location(settings.name()));
  }

  /**
   * {@code POST /pools/default/buckets/<b>}: changes the quota, flush, max TTL, replica number or
   * metadata purge interval in place. The eviction policy cannot change in place yet: such an
   * update is refused naming it, and nothing is changed.
   */
  RestResponse update(RestRequest request) {
    BucketSettings current = bucket(request).settings();
    BucketSettings next =
        BucketForm.update(
            request.form(),
            current,
            node.buckets().all(),
            quota,
            node.clusterConfig().purgeIntervalDays());
    if (!next.evictionPolicy().equals(current.evictionPolicy())) {
      Map<String, String> refused = new LinkedHashMap<>();
      refused.put("evictionPolicy", notYet("the eviction policy"));
      throw RestException.invalid(refused, null);
    }
    if (!next.equals(current)) {
      try {
        node.updateBucket(next);
      } catch (UncheckedIOException e) {
        throw diskRefused("bucket " + next.name() + " not changed", e);
      }
    }
    return RestResponse.empty(HttpResponseStatus.OK);
  }

  private static String notYet(String what) {
    return "Changing " + what + " of an existing bucket is not supported yet";
  }

  /** {@code DELETE /pools/default/buckets/<b>}. */
  RestResponse delete(RestRequest request) {
    String name = request.param("bucket");
    try {
      if (!node.deleteBucket(name)) {
        throw RestException.notFound("bucket " + name);
      }
    } catch (UncheckedIOException e) {
      throw diskRefused("bucket " + name + " not deleted", e);
    }
    return RestResponse.empty(HttpResponseStatus.OK);
  }

  /**
   * A change (to a bucket, to the node's settings) the node did not make because its disk refused a
   * write (full, failing): 500 with the reason, and one line in the log, not an "unexpected error"
   * with a stack trace.
   */
  static RestException diskRefused(String what, RuntimeException e) {
    String reason = e.getMessage();
    Throwable cause = e.getCause();
    if (cause != null && cause.getMessage() != null && !reason.contains(cause.getMessage())) {
      reason = reason + ": " + cause.getMessage();
    }
    LOG.warn("{}: {}", what, reason);
    return new RestException(
        RestResponse.json(
            HttpResponseStatus.INTERNAL_SERVER_ERROR, Json.object().put("_", what + ": " + reason)),
        what);
  }

  /** {@code POST /pools/default/buckets/<b>/controller/doFlush}. */
  RestResponse flush(RestRequest request) {
    Bucket bucket = bucket(request);
    if (!bucket.settings().flushEnabled()) {
      throw new RestException(
          RestResponse.json(
              HttpResponseStatus.BAD_REQUEST,
              Json.object().put("_", "Flush is disabled for the bucket")),
          "flush disabled on " + bucket.name());
    }
    bucket.flush();
    return RestResponse.empty(HttpResponseStatus.OK);
  }

  /**
   * {@code POST /pools/default/buckets/<b>/controller/compactBucket} (and {@code compactDatabases}:
   * Settee has no view files): purges tombstones past the metadata purge interval and sweeps the
   * seqno index, as the hourly compaction does. Answers once the tombstones are out of memory (one
   * pass over the bucket's items); the disk work goes on in the background, on the bucket's storage
   * thread.
   */
  RestResponse compact(RestRequest request) {
    Bucket bucket = bucket(request);
    if (bucket.settings().type() != BucketType.COUCHBASE) {
      throw new RestException(
          RestResponse.json(
              HttpResponseStatus.BAD_REQUEST,
              Json.object().put("_", "Only couchbase buckets can be compacted")),
          "compaction of " + bucket.name() + ", not a couchbase bucket");
    }
    node.compactNow(bucket);
    return RestResponse.empty(HttpResponseStatus.OK);
  }

  private Bucket bucket(RestRequest request) {
    String name = request.param("bucket");
    Bucket bucket = node.buckets().get(name);
    // The uri in a bucket's configuration names its UUID: a same-named successor is not it.
    String uuid = request.query("bucket_uuid");
    if (bucket == null || uuid != null && !uuid.equals(bucket.settings().uuid())) {
      throw RestException.notFound("bucket " + name);
    }
    return bucket;
  }

  static String location(String bucket) {
    return "/pools/default/buckets/" + bucket.replace("%", "%25");
  }
}
