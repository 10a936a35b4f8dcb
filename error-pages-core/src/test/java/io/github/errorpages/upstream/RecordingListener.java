package io.github.errorpages.upstream;

import io.github.errorpages.RetryRefusal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every event a guard delivers, in order. Thread-safe. */
final class RecordingListener implements UpstreamEventListener {

    private final List<UpstreamEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(UpstreamEvent event) {
        events.add(event);
    }

    /** @return every event so far */
    List<UpstreamEvent> all() {
        return List.copyOf(events);
    }

    /**
     * @param <E> the event type
     * @param type the event type
     * @return the events of that type so far, in order
     */
    <E extends UpstreamEvent> List<E> of(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** @return the reasons of the retries refused so far, in order */
    List<RetryRefusal> refusals() {
        return of(UpstreamEvent.RetryRefused.class).stream().map(UpstreamEvent.RetryRefused::reason).toList();
    }
}
