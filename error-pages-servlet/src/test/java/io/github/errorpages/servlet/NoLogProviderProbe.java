package io.github.errorpages.servlet;

import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.undertow.servlet.Servlets;
import io.undertow.servlet.api.DeploymentInfo;
import io.undertow.servlet.api.DeploymentManager;
import io.undertow.servlet.api.ServletContainerInitializerInfo;
import io.undertow.servlet.util.ImmediateInstanceFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Set;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.slf4j.LoggerFactory;

/**
 * Starts the library in a container, in a JVM of its own whose class path has no SLF4J provider
 * ({@link NoLogProviderIntegrationTests}): {@code jetty}, two filters and a proxy servlet, each registered by class,
 * in an embedded Jetty (whose own log goes through that SLF4J too); {@code tomcat}, a proxy servlet alone (made by its
 * builder) in an embedded Tomcat (whose log goes to {@code java.util.logging}'s console, standard error), asked once
 * for a page; {@code undertow}, the filter registered by {@link ErrorPagesInitializer} in an Undertow deployment,
 * deployed and started but asked nothing (Undertow initialises a filter at its first request: the initializer alone
 * speaks). Prints what SLF4J logs through, {@code started} once the container started, and the status of a page
 * asked for.
 */
final class NoLogProviderProbe {

    private NoLogProviderProbe() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        System.out.println("logger factory: " + LoggerFactory.getILoggerFactory().getClass().getName());
        String unreachable = "http://127.0.0.1:1"; // refuses: the page, at once
        if (args[0].equals("jetty")) {
            try (JettyServer jetty = new JettyServer()) {
                jetty.filter(new FilterHolder(ErrorPagesFilter.class)).filter(new FilterHolder(ErrorPagesFilter.class));
                ServletHolder proxy = new ServletHolder(ReverseProxyServlet.class);
                proxy.setInitParameter("endpoints", unreachable);
                proxy.setInitOrder(0);
                jetty.context().addServlet(proxy, "/proxy/*");
                jetty.start();
                System.out.println("started");
            }
        } else if (args[0].equals("undertow")) {
            DeploymentInfo info = Servlets.deployment().setClassLoader(NoLogProviderProbe.class.getClassLoader())
                    .setContextPath("/").setDeploymentName("gateway")
                    .addServletContainerInitializer(new ServletContainerInitializerInfo(ErrorPagesInitializer.class,
                            new ImmediateInstanceFactory<>(new ErrorPagesInitializer()), Set.of()))
                    .addInitParameter(ErrorPagesInitializer.ENABLED_PARAMETER, "true");
            DeploymentManager deployment = Servlets.newContainer().addDeployment(info);
            deployment.deploy();
            try {
                deployment.start();
                System.out.println("started");
                deployment.stop();
            } catch (jakarta.servlet.ServletException e) {
                throw new IllegalStateException(e);
            }
            deployment.undeploy();
        } else {
            try (TomcatServer tomcat = TomcatServer.inCode()) {
                tomcat.servlet("/proxy/*", ReverseProxyServlet.builder(UpstreamGuard.of(
                        UpstreamConfig.builder("orders").endpoints(URI.create(unreachable)).build())).build()).start();
                System.out.println("started");
                // Tomcat initialises a servlet added in code at its first request.
                HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        tomcat.uri("/proxy/orders")).build(), BodyHandlers.ofString());
                System.out.println("answered " + page.statusCode());
            }
        }
    }
}
