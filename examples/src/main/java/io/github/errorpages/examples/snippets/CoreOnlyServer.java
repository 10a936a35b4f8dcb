package io.github.errorpages.examples.snippets;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.errorpages.ErrorPages;
import io.github.errorpages.ErrorRequest;
import io.github.errorpages.ErrorResponse;
import io.github.errorpages.page.Branding;
import io.github.errorpages.page.PageConfig;
import io.github.errorpages.upstream.GuardedHttpClient;
import io.github.errorpages.upstream.ResponseAdapter;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * docs/core-quick-start.md: a service on the JDK's own {@link HttpServer}, no servlet container, that calls two
 * upstreams ({@code inventory} through a {@link GuardedHttpClient}, {@code prices} through
 * {@link HttpURLConnection} and a {@link ResponseAdapter}) and writes error-pages' {@link ErrorResponse} for their
 * failures into its own response. Listens on an ephemeral loopback port.
 */
public final class CoreOnlyServer implements AutoCloseable {

    // snippet:core-adapter
    /** Lets the guard read HttpURLConnection's responses: a 5xx is then a failure, retried and counted. */
    static final ResponseAdapter<HttpURLConnection> URL_CONNECTION = new ResponseAdapter<>() {
        @Override
        public int status(HttpURLConnection response) {
            try {
                return response.getResponseCode();      // read already by the attempt: does not throw
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public @Nullable String header(HttpURLConnection response, String name) {
            return response.getHeaderField(name);
        }

        @Override
        public void discard(HttpURLConnection response) {
            try (InputStream body = response.getErrorStream()) {
                if (body == null) {
                    response.disconnect();               // no body to drain (an answer that is no HTTP)
                } else {
                    body.readAllBytes();                // drained, so that the connection is reused
                }
            } catch (IOException e) {
                response.disconnect();
            }
        }
    };
    // end-snippet

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private final ErrorPages errorPages;
    private final GuardedHttpClient inventory;
    private final UpstreamGuard prices;

    private CoreOnlyServer(URI inventoryEndpoint, URI pricesEndpoint) throws IOException {
        // snippet:core-setup
        // Once, at start-up, shared by all requests: the pages, and one guard per upstream.
        errorPages = ErrorPages.builder()
                .pageConfig(PageConfig.builder()
                        .branding(Branding.builder().siteName("Acme Travel").build())
                        .build())
                .build();
        inventory = GuardedHttpClient.of(HttpClient.newHttpClient(), UpstreamGuard.of(
                UpstreamConfig.builder("inventory")
                        .endpoints(inventoryEndpoint)
                        .attemptTimeout(Duration.ofSeconds(2))
                        .deadline(Duration.ofSeconds(5))
                        .build()));
        prices = UpstreamGuard.of(UpstreamConfig.builder("prices")
                .endpoints(pricesEndpoint)
                .attemptTimeout(Duration.ofSeconds(2))
                .deadline(Duration.ofSeconds(5))
                .build());
        // end-snippet
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(threads);
        server.createContext("/stock", this::stock);
        server.createContext("/prices", this::prices);
        server.start();
    }

    /**
     * @param inventoryEndpoint the {@code inventory} upstream's base URI
     * @param pricesEndpoint the {@code prices} upstream's base URI
     * @return the started server
     * @throws IOException when it cannot listen
     */
    public static CoreOnlyServer start(URI inventoryEndpoint, URI pricesEndpoint) throws IOException {
        return new CoreOnlyServer(inventoryEndpoint, pricesEndpoint);
    }

    /** @return the server's base URI, {@code http://127.0.0.1:<port>} */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    // snippet:core-handler
    private void stock(HttpExchange exchange) throws IOException {
        try {
            HttpRequest call = HttpRequest.newBuilder(URI.create("http://inventory/api/stock")).build();
            // Throws UpstreamFailureException when the upstream fails (after the retries it allows).
            HttpResponse<byte[]> stock = inventory.send(call, HttpResponse.BodyHandlers.ofByteArray());
            // A HEAD gets no body, and no length: the JDK's server takes -1 for it, and a body written fails.
            byte[] body = "HEAD".equals(exchange.getRequestMethod()) ? new byte[0] : stock.body();
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(stock.statusCode(), body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        } catch (RuntimeException e) {
            answerFailure(exchange, e);
        } finally {
            exchange.close();
        }
    }

    private void answerFailure(HttpExchange exchange, RuntimeException e) throws IOException {
        Optional<ErrorResponse> page = errorPages.handle(e, errorRequest(exchange));
        if (page.isEmpty()) {
            // No upstream failure: a bug (500), or the UncheckedIOException of a request body whose
            // source failed or stalled (the client's: 400 or 408). This service's own to answer.
            exchange.sendResponseHeaders(500, -1);
            return;
        }
        write(exchange, page.get());
    }
    // end-snippet

    private void prices(HttpExchange exchange) throws IOException {
        URI target = URI.create("http://prices/api/stock");
        try {
            // snippet:core-adapter-call
            HttpURLConnection answer = prices.call(UpstreamRequest.of("GET"), URL_CONNECTION, attempt -> {
                HttpURLConnection connection = (HttpURLConnection) attempt.resolve(target).toURL().openConnection();
                connection.setConnectTimeout((int) attempt.timeout().toMillis());
                connection.setReadTimeout((int) attempt.timeout().toMillis());
                connection.getResponseCode();               // sent, and the answer's head read, in the attempt
                return connection;
            });
            // The guard returns a 4xx, the upstream's answer: its body is in the error stream (null when there is
            // none), and getInputStream() throws for it.
            int status = answer.getResponseCode();
            byte[] body;
            try (InputStream in = status >= 400 ? answer.getErrorStream() : answer.getInputStream()) {
                body = in == null ? new byte[0] : in.readAllBytes();
            }
            // end-snippet
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        } catch (RuntimeException e) {
            answerFailure(exchange, e);
        } finally {
            exchange.close();
        }
    }

    // snippet:core-write
    static ErrorRequest errorRequest(HttpExchange exchange) {
        Headers headers = exchange.getRequestHeaders();
        return new ErrorRequest(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                headers.getFirst("Accept"), headers.getFirst("Accept-Language"),
                headers.getFirst("X-Request-Id"), headers.getFirst("Accept-Encoding"));
    }

    static void write(HttpExchange exchange, ErrorResponse page) throws IOException {
        Headers headers = exchange.getResponseHeaders();
        headers.clear();                                // nothing set before the failure stays (R15)
        page.headers().forEach(headers::set);           // all of them: Content-Type, Retry-After, Cache-Control, ...
        byte[] body = page.body();                      // empty for HEAD; gzip when Content-Encoding says so
        exchange.sendResponseHeaders(page.status(), body.length == 0 ? -1 : body.length);
        exchange.getResponseBody().write(body);
    }
    // end-snippet
}
