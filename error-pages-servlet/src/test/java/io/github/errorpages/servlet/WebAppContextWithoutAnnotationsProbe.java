package io.github.errorpages.servlet;

import static io.github.errorpages.servlet.ProbeSteps.step;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * A web application deployed on an embedded Jetty whose class path lacks {@code jetty-ee10-annotations}: run by
 * {@link JettyWebAppContextIntegrationTests} in a class loader whose class path lacks the jar, so that this class,
 * Jetty's {@code WebAppContext} and the configurations it finds there are loaded from it. It only deploys and
 * undeploys: the test calls the application with its own client, for a client made in this class loader (the test
 * {@code Client}'s static one) starts threads that keep the loader, a second Jetty and all, for the rest of the JVM.
 * Each result is a string; a step that throws records the throwable. Public, with a public constructor: it is
 * created reflectively.
 */
public final class WebAppContextWithoutAnnotationsProbe implements Callable<Map<String, String>>, AutoCloseable {

    private final Path folder;
    private @Nullable JettyWebApplication application;

    /**
     * Created reflectively, through the isolating class loader.
     *
     * @param folder the web application's folder
     */
    public WebAppContextWithoutAnnotationsProbe(String folder) {
        this.folder = Path.of(folder);
    }

    /**
     * Deploys the application, to be undeployed by {@link #close()}.
     *
     * @return whether Jetty's annotations module can be loaded, the filters mapped, and the URIs of {@code /orders}
     *     and {@code /status-502}, each under its own key
     */
    @Override
    public Map<String, String> call() {
        Map<String, String> found = new LinkedHashMap<>();
        found.put("annotations loadable", step(() -> {
            Class.forName("org.eclipse.jetty.ee10.annotations.AnnotationConfiguration", false,
                    getClass().getClassLoader());
            return "yes";
        }));
        application = JettyWebApplication.deploy(JettyWebApplication.Environment.EE10, folder);
        found.put("filters", application.filterMappings().toString());
        for (String path : new String[] {"/orders", "/status-502"}) {
            found.put(path, application.uri(path).toString());
        }
        return found;
    }

    /** Stops the server, and with it every thread it started. */
    @Override
    public void close() {
        if (application != null) {
            application.close();
        }
    }
}
