package org.settee.kv;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.settee.util.Clock;

/**
 * The node's buckets by name. Lookups are lock-free; creation and deletion are serialised so that a
 * name is never half-created or reused while its old bucket is still shutting down.
 */
public final class BucketRegistry {
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final List<Consumer<Bucket>> shutdownListeners = new CopyOnWriteArrayList<>();
  private final Clock clock;

  public BucketRegistry(Clock clock) {
    this.clock = clock;
  }

  /** The ready bucket with this name, or null. */
  public Bucket get(String name) {
    Bucket b = buckets.get(name);
    return b != null && b.state() == BucketState.READY ? b : null;
  }

  public Collection<Bucket> all() {
    return List.copyOf(buckets.values());
  }

  /** Called (on the deleting thread) when a bucket begins shutting down. */
  public void onShutdown(Consumer<Bucket> listener) {
    shutdownListeners.add(listener);
  }

  /**
   * Creates and readies a bucket.
   *
   * @throws IllegalStateException when the name is taken
   */
  public synchronized Bucket create(BucketSettings settings) {
    return create(settings, b -> {});
  }

  /**
   * Creates a bucket, lets {@code prepare} set it up (storage, warmup) while nobody can reach it
   * yet, then readies it.
   */
  public synchronized Bucket create(BucketSettings settings, Consumer<Bucket> prepare) {
    if (buckets.containsKey(settings.name())) {
      throw new IllegalStateException("bucket " + settings.name() + " already exists");
    }
    Bucket bucket = new Bucket(settings, clock);
    prepare.accept(bucket);
    buckets.put(settings.name(), bucket);
    bucket.transition(BucketState.CREATING, BucketState.READY);
    return bucket;
  }

  /**
   * Shuts a bucket down (no new requests, connections told first) and forgets it.
   *
   * @return false when there was no such bucket
   */
  public synchronized boolean delete(String name) {
    return delete(name, b -> {});
  }

  /**
   * Shuts a bucket down: no new requests, its connections told to go, then {@code teardown}
   * (storage) runs, then the name is free.
   */
  public synchronized boolean delete(String name, Consumer<Bucket> teardown) {
    Bucket bucket = buckets.get(name);
    if (bucket == null || !bucket.transition(BucketState.READY, BucketState.SHUTTING_DOWN)) {
      return false;
    }
    for (Consumer<Bucket> listener : shutdownListeners) {
      listener.accept(bucket);
    }
    teardown.accept(bucket);
    bucket.transition(BucketState.SHUTTING_DOWN, BucketState.GONE);
    buckets.remove(name);
    return true;
  }
}
