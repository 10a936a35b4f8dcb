package io.github.errorpages.servlet;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;

/**
 * Jetty's HTTP/2 client over cleartext with prior knowledge (h2c), as the tests reach a server's HTTP/2 with: a
 * browser's HTTP/2 without TLS. The caller stops it.
 */
final class Http2Clients {

    private Http2Clients() {
    }

    /** @return a started client, with Jetty's defaults */
    static HttpClient started() throws Exception {
        HttpClient client = h2c();
        client.start();
        return client;
    }

    /**
     * @param maxResponseHeadersSize the largest response head it takes, advertised as its
     *     {@code SETTINGS_MAX_HEADER_LIST_SIZE} (8 KiB for the HTTP/2 clients of browsers and Jetty's own)
     * @return a started client
     */
    static HttpClient started(int maxResponseHeadersSize) throws Exception {
        HttpClient client = h2c();
        client.setMaxResponseHeadersSize(maxResponseHeadersSize);
        client.start();
        return client;
    }

    /**
     * Sends the request and waits for its exchange to end, its response read whole or failed (20 s at most).
     *
     * @param request a request of a client of this class
     * @return how the exchange ended
     * @throws IllegalStateException when it did not end within 20 s, or the wait was interrupted
     */
    static Result ended(Request request) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        request.send(result::complete);
        try {
            return result.get(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpClient h2c() {
        return new HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
    }
}
