package org.settee.kv;

import java.util.ArrayList;
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
  private volatile java.util.function.BiConsumer<String, ShutdownStep> shutdownHook = (b, s) -> {};

  /** The points of a bucket's shutdown, in order; tests interleave work at each. */
  public enum ShutdownStep {
    /** The bucket refuses new requests and selects. */
    REFUSING,
    /** Every connection on the bucket is closed and its DCP streams released. */
    DISCONNECTED,
    /** Storage and background tasks are stopped; the name is about to be free. */
    TORN_DOWN
  }

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

  /**
   * Called at each step of every bucket shutdown, on the deleting thread: a test hook, so that a
   * test can make work arrive exactly between two steps (the seed 001 and 004 races).
   */
  public void shutdownHook(java.util.function.BiConsumer<String, ShutdownStep> hook) {
    this.shutdownHook = hook;
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
    refuseAndDisconnect(bucket);
    tearDown(bucket, teardown);
    return true;
  }

  /**
   * Node stop: every bucket goes through the steps of a delete, its files kept. All buckets refuse
   * and lose their connections first; then {@code quiesce} stops the node-wide work that could
   * still touch a bucket (event loops, fetches, backfills); then each bucket's {@code teardown}
   * closes its storage. Runs {@code quiesce} even when there is no bucket.
   */
  public synchronized void shutdownAll(Runnable quiesce, Consumer<Bucket> teardown) {
    List<Bucket> stopping = new ArrayList<>();
    for (Bucket bucket : buckets.values()) {
      if (bucket.transition(BucketState.READY, BucketState.SHUTTING_DOWN)) {
        stopping.add(bucket);
      }
    }
    for (Bucket bucket : stopping) {
      refuseAndDisconnect(bucket);
    }
    quiesce.run();
    for (Bucket bucket : stopping) {
      tearDown(bucket, teardown);
    }
  }

  /** The bucket is SHUTTING_DOWN: nobody new gets in; those bound to it are told to go. */
  private void refuseAndDisconnect(Bucket bucket) {
    shutdownHook.accept(bucket.name(), ShutdownStep.REFUSING);
    for (Consumer<Bucket> listener : shutdownListeners) {
      listener.accept(bucket);
    }
    shutdownHook.accept(bucket.name(), ShutdownStep.DISCONNECTED);
  }

  private void tearDown(Bucket bucket, Consumer<Bucket> teardown) {
    teardown.accept(bucket);
    shutdownHook.accept(bucket.name(), ShutdownStep.TORN_DOWN);
    bucket.transition(BucketState.SHUTTING_DOWN, BucketState.GONE);
    buckets.remove(bucket.name());
  }
}
