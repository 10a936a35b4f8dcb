package io.github.errorpages.servlet.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Publishes the bytes of a blocking {@link InputStream} as its subscriber asks for them, each read made on an
 * executor, never on the thread that asks. The JDK's {@code BodyPublishers.ofInputStream} reads inside
 * {@code request(n)}, which the JDK's HTTP/1.1 client calls from its write loop before it writes what it has: the
 * request's head and every part already read waited for the client's next bytes, so an upload that came in slowly
 * reached the upstream one part late, and a client that waits for the upstream's answer before it sends more got
 * a 408 for the stall the proxy caused.
 *
 * <p>One read at a time per subscription: what it read is handed on at once, and the next read starts only while
 * the subscriber asks for more. Failures of the stream are signalled as the JDK's publisher signals them, an
 * {@link UncheckedIOException}; anything else it throws (an {@link Error}, a checked exception thrown past the
 * compiler's check) is signalled as it is, never thrown into the executor's thread. Thread-safe, as
 * {@link Flow.Publisher} requires.
 */
final class ExecutorStreamPublisher implements Flow.Publisher<ByteBuffer> {

    /** The most bytes one read asks for: what the JDK's own stream publisher reads at once. */
    private static final int PART = 16 * 1024;

    private final Supplier<InputStream> source;
    private final Executor reads;

    /**
     * @param source the stream of each subscription, got when it subscribes
     * @param reads where the blocking reads run
     */
    ExecutorStreamPublisher(Supplier<InputStream> source, Executor reads) {
        this.source = source;
        this.reads = reads;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        ReadSubscription subscription = new ReadSubscription(subscriber, source.get(), reads);
        subscriber.onSubscribe(subscription);
        subscription.start();
    }

    private static final class ReadSubscription implements Flow.Subscription, Runnable {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private final InputStream in;
        private final Executor reads;
        private final AtomicLong demand = new AtomicLong();
        /** Whether a task of this subscription is scheduled or running: one at a time, so signals are serial. */
        private final AtomicBoolean scheduled = new AtomicBoolean();
        /** Set once the subscription ended: cancelled, or its terminal signal sent. */
        private volatile boolean ended;
        /**
         * Set once {@code onSubscribe} returned: a read asked for within it starts only then, so that no signal of
         * the reading thread overlaps it (Reactive Streams §1.3).
         */
        private volatile boolean started;

        ReadSubscription(Flow.Subscriber<? super ByteBuffer> subscriber, InputStream in, Executor reads) {
            this.subscriber = subscriber;
            this.in = in;
            this.reads = reads;
        }

        @Override
        public void request(long n) {
            if (ended) {
                return;
            }
            if (n <= 0) {
                // Reactive Streams §3.9; signalled by the task, serially with everything else it signals.
                demand.set(-1);
            } else {
                demand.getAndUpdate(current -> current < 0 ? current : Long.MAX_VALUE - current < n ? Long.MAX_VALUE
                        : current + n);
            }
            if (started) {
                schedule();
            }
        }

        void start() {
            started = true;
            if (demand.get() != 0) {
                schedule(); // asked for within onSubscribe (or meanwhile, on another thread)
            }
        }

        @Override
        public void cancel() {
            ended = true;
        }

        private void schedule() {
            if (!scheduled.compareAndSet(false, true)) {
                return; // the running task sees the demand, or schedules itself again
            }
            try {
                reads.execute(this);
            } catch (RejectedExecutionException stopped) {
                // The proxy is being stopped under the exchange.
                ended = true;
                subscriber.onError(stopped);
            }
        }

        @Override
        public void run() {
            try {
                while (!ended) {
                    long wanted = demand.get();
                    if (wanted == 0) {
                        break;
                    }
                    if (wanted < 0) {
                        ended = true;
                        subscriber.onError(new IllegalArgumentException("a subscriber asked for no item"));
                        return;
                    }
                    byte[] part = new byte[PART];
                    int n;
                    try {
                        n = in.read(part, 0, PART);
                    } catch (IOException failed) {
                        ended = true;
                        subscriber.onError(new UncheckedIOException(failed));
                        return;
                    } catch (Throwable failed) {
                        // Anything else too: an Error, or a checked exception thrown past the compiler's check
                        // (Kotlin, Lombok's @SneakyThrows) by a filter's wrapper of the body. Left to escape, it
                        // killed the executor's thread with the subscription never ended, and the exchange waited
                        // for the attempt timeout, a 504 blaming the upstream; signalled, it ends the exchange at
                        // once with what was thrown, which the guard takes for the bug it is.
                        ended = true;
                        subscriber.onError(failed);
                        return;
                    }
                    if (n < 0) {
                        ended = true;
                        subscriber.onComplete();
                        return;
                    }
                    if (n > 0 && !ended) {
                        demand.decrementAndGet();
                        subscriber.onNext(ByteBuffer.wrap(part, 0, n));
                    }
                }
            } finally {
                scheduled.set(false);
            }
            if (!ended && demand.get() != 0) {
                schedule(); // asked for more after the loop looked: nobody else scheduled it
            }
        }
    }
}
