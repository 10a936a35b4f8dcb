package io.github.errorpages.examples.snippets;

import io.github.errorpages.upstream.GuardedHttpClient;
import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * docs/servlet-quick-start.md, "4. Call upstreams from application code" (and the README): a servlet that
 * calls an upstream through a {@link GuardedHttpClient} and leaves every failure to
 * {@link io.github.errorpages.servlet.ErrorPagesFilter}. The upstream's base URL comes from the init-parameter
 * {@code inventory.endpoint}.
 */
public final class InventoryServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private transient GuardedHttpClient inventory;

    @Override
    public void init() {
        URI endpoint = URI.create(getInitParameter("inventory.endpoint"));
        // snippet:guarded-client
        // One guard and one client per upstream, shared by all requests.
        UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("inventory")
                .endpoints(endpoint)
                .attemptTimeout(Duration.ofSeconds(2))
                .deadline(Duration.ofSeconds(5))
                .build());
        inventory = GuardedHttpClient.of(HttpClient.newHttpClient(), guard);
        // end-snippet
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // snippet:guarded-call
        HttpRequest call = HttpRequest.newBuilder(URI.create("http://inventory/api/stock")).build();
        HttpResponse<String> stock;
        try {
            // Throws UpstreamFailureException when the upstream fails (after the retries it allows):
            // let it propagate, and ErrorPagesFilter answers with the branded 502/503/504.
            stock = inventory.send(call, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
        // A 4xx is the upstream's own answer, not a failure: pass its status on with its body.
        response.setStatus(stock.statusCode());
        response.setContentType("application/json");
        response.getWriter().write(stock.body());
        // end-snippet
    }
}
