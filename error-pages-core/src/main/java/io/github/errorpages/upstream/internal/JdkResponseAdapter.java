package io.github.errorpages.upstream.internal;

import io.github.errorpages.upstream.BodyOutcome;
import io.github.errorpages.upstream.ResponseAdapter;
import java.net.http.HttpResponse;
import java.util.concurrent.Flow;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the JDK's {@link HttpResponse}. A discarded response's body is closed when it is closeable (an
 * {@code InputStream}, a {@code Stream} of lines) and cancelled when it is a publisher; a body that was
 * read into memory needs nothing. A body that reports its end ({@link AwaitedBody}), or else a response that carries
 * the end of its body ({@link StreamedBodyEnd}), is handed the call's outcome.
 *
 * @param <T> the body type
 */
public final class JdkResponseAdapter<T> implements ResponseAdapter<HttpResponse<T>> {

    private static final Logger log = LoggerFactory.getLogger(JdkResponseAdapter.class);
    private static final JdkResponseAdapter<?> INSTANCE = new JdkResponseAdapter<>();

    private JdkResponseAdapter() {
    }

    /**
     * @param <T> the body type
     * @return the adapter
     */
    @SuppressWarnings("unchecked")
    public static <T> JdkResponseAdapter<T> instance() {
        return (JdkResponseAdapter<T>) INSTANCE;
    }

    @Override
    public int status(HttpResponse<T> response) {
        return response.statusCode();
    }

    @Override
    public @Nullable String header(HttpResponse<T> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    @Override
    public void discard(HttpResponse<T> response) {
        Object body = response.body();
        try {
            if (body instanceof AutoCloseable closeable) {
                closeable.close();
            } else if (body instanceof Flow.Publisher<?> publisher) {
                publisher.subscribe(new Flow.Subscriber<Object>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        subscription.cancel();
                    }

                    @Override
                    public void onNext(Object item) {
                    }

                    @Override
                    public void onError(Throwable throwable) {
                    }

                    @Override
                    public void onComplete() {
                    }
                });
            }
        } catch (Exception e) {
            log.debug("Could not release the body of a discarded upstream response", e);
        }
    }

    @Override
    public boolean awaitBody(HttpResponse<T> response, BodyOutcome body) {
        if (response.body() instanceof AwaitedBody awaited) {
            awaited.reportTo(body); // the proxy's body, which knows more: whether its own client went away
            return true;
        }
        if (response instanceof StreamedBodyEnd.Response<?> observed) {
            observed.end().reportTo(body);
            return true;
        }
        return false;
    }
}
