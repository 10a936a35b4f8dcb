package io.github.errorpages.examples.snippets;

import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.io.HttpClientResponseHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * docs/servlet-quick-start.md, "4. Call upstreams from application code": an attempt through Apache HttpClient 5
 * that cancels its request when its own caller goes away, and says so with a {@link CancellationException}, so
 * that the guard neither retries it nor counts it against the upstream.
 */
public final class ApacheCallerCancel {

    private ApacheCallerCancel() {
    }

    /**
     * @param guard the upstream's guard
     * @param client Apache's classic client, shared
     * @param target the request's path and query
     * @param callerGone completes when the caller no longer wants the answer
     * @return the upstream's body
     * @throws InterruptedException when the thread was interrupted
     * @throws CancellationException when {@code callerGone} completed during the call
     */
    public static String fetch(UpstreamGuard guard, CloseableHttpClient client, URI target,
            CompletableFuture<?> callerGone) throws InterruptedException {
        HttpClientResponseHandler<String> handler = response -> EntityUtils.toString(response.getEntity());
        return guard.call(UpstreamRequest.of("GET"), attempt -> {
            // snippet:apache-caller-cancel
            HttpGet get = new HttpGet(attempt.resolve(target));
            callerGone.thenRun(get::cancel);                   // Apache 4: get::abort
            try {
                return client.execute(get, handler);
            } catch (IOException e) {
                if (get.isCancelled()) {                       // Apache 4: get.isAborted(); see below
                    throw (CancellationException) new CancellationException("caller went away").initCause(e);
                }
                throw e;
            }
            // end-snippet
        });
    }
}
