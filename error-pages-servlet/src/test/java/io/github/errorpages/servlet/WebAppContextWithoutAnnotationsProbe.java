package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.ProbeSteps.step;

import io.github.errorpages.testing.StandardError;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A web application deployed on an embedded Jetty whose class path lacks {@code jetty-ee10-annotations}: run by
 * {@link JettyWebAppContextIntegrationTests} in a class loader whose class path lacks the jar, so that this class,
 * Jetty's {@code WebAppContext} and the configurations it finds there are loaded from it. Each result is a string; a
 * step that throws records the throwable. Public, with a public constructor: it is created reflectively.
 */
public final class WebAppContextWithoutAnnotationsProbe implements Callable<Map<String, String>> {

    private final Path folder;

    /**
     * Created reflectively, through the isolating class loader.
     *
     * @param folder the web application's folder
     */
    public WebAppContextWithoutAnnotationsProbe(String folder) {
        this.folder = Path.of(folder);
    }

    @Override
    public Map<String, String> call() {
        Map<String, String> found = new LinkedHashMap<>();
        found.put("annotations loadable", step(() -> {
            Class.forName("org.eclipse.jetty.ee10.annotations.AnnotationConfiguration", false,
                    getClass().getClassLoader());
            return "yes";
        }));
        found.put("logged", StandardError.capture(() -> {
            try (JettyWebApplication application = JettyWebApplication.deploy(JettyWebApplication.Environment.EE10,
                    folder)) {
                found.put("filters", application.filterMappings().toString());
                found.put("/orders", answer(Client.get(application.uri("/orders"), Client.BROWSER_ACCEPT)));
                found.put("/status-502", answer(Client.get(application.uri("/status-502"), Client.BROWSER_ACCEPT)));
            }
        }));
        return found;
    }

    /** The status, and whether the page's {@code X-Content-Type-Options} is there. */
    private static String answer(HttpResponse<byte[]> response) {
        boolean nosniff = response.headers().firstValue("X-Content-Type-Options").isPresent();
        return response.statusCode() + " nosniff=" + nosniff;
    }
}
