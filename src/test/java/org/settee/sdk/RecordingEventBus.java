package org.settee.sdk;

import com.couchbase.client.core.cnc.DefaultEventBus;
import com.couchbase.client.core.cnc.Event;
import com.couchbase.client.core.cnc.EventBus;
import com.couchbase.client.core.cnc.EventSubscription;
import java.time.Duration;
import java.util.Queue;
import java.util.function.Consumer;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The SDK's own event bus (so its log output is unchanged) that also keeps every event published
 * (except the periodic system ones): tests read it to learn why the SDK rejected something, e.g. a
 * {@code ConfigIgnoredEvent}. It is external to the environment, so its owner starts and stops it.
 */
final class RecordingEventBus implements EventBus {
  private final DefaultEventBus delegate = DefaultEventBus.create(Schedulers.parallel());
  private final Queue<Event> recorded;

  RecordingEventBus(Queue<Event> recorded) {
    this.recorded = recorded;
  }

  @Override
  public PublishResult publish(Event event) {
    if (!Event.Category.SYSTEM.path().equals(event.category())) {
      recorded.add(event);
    }
    return delegate.publish(event);
  }

  @Override
  public EventSubscription subscribe(Consumer<Event> consumer) {
    return delegate.subscribe(consumer);
  }

  @Override
  public void unsubscribe(EventSubscription subscription) {
    delegate.unsubscribe(subscription);
  }

  @Override
  public Mono<Void> start() {
    return delegate.start();
  }

  @Override
  public Mono<Void> stop(Duration timeout) {
    return delegate.stop(timeout);
  }
}
