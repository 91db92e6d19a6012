package org.settee.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.settee.cluster.ConfigJson;
import org.settee.kv.Bucket;
import org.settee.kv.BucketRegistry;

/**
 * The configuration documents over HTTP: the terse bucket configuration ({@code
 * /pools/default/b/<b>}, the SDK's fallback when KV cannot give it), its stream ({@code
 * /pools/default/bs/<b>}, libcouchbase and memcached buckets), the full bucket object stream
 * ({@code /pools/default/bucketsStreaming/<b>}) and the global configuration ({@code
 * /pools/default/nodeServices[Streaming]}). {@code $HOST} is replaced by the address the client
 * reached, as ns_server does over HTTP.
 *
 * <p>A bucket stream follows one bucket, identified by its UUID: when that bucket is deleted (even
 * if another of the same name follows) the stream ends.
 */
final class ClusterConfigResource {
  private final BucketRegistry buckets;
  private final ConfigJson configs;
  private final BucketJson bucketJson;

  ClusterConfigResource(BucketRegistry buckets, ConfigJson configs, BucketJson bucketJson) {
    this.buckets = buckets;
    this.configs = configs;
    this.bucketJson = bucketJson;
  }

  RestResponse terseBucket(RestRequest request) {
    Bucket bucket = bucket(request);
    return RestResponse.json(
        HttpResponseStatus.OK, Json.withHost(configs.terseBucket(bucket), request.host()));
  }

  RestResponse terseBucketStream(RestRequest request) {
    Bucket first = bucket(request);
    String host = request.host();
    return RestResponse.stream(
        () -> {
          Bucket now = sameBucket(first);
          return now == null ? null : Json.withHost(configs.terseBucket(now), host);
        });
  }

  RestResponse bucketStream(RestRequest request) {
    Bucket first = bucket(request);
    String host = request.host();
    return RestResponse.stream(
        () -> {
          Bucket now = sameBucket(first);
          return now == null ? null : bucketJson.full(now, host);
        });
  }

  RestResponse nodeServices(RestRequest request) {
    return RestResponse.json(
        HttpResponseStatus.OK, Json.withHost(configs.global(), request.host()));
  }

  RestResponse nodeServicesStream(RestRequest request) {
    String host = request.host();
    return RestResponse.stream(() -> Json.withHost(configs.global(), host));
  }

  private Bucket bucket(RestRequest request) {
    String name = request.param("bucket");
    Bucket bucket = buckets.get(name);
    if (bucket == null) {
      throw RestException.notFound("bucket " + name);
    }
    return bucket;
  }

  private Bucket sameBucket(Bucket first) {
    Bucket now = buckets.get(first.name());
    return now != null && now.settings().uuid().equals(first.settings().uuid()) ? now : null;
  }
}
