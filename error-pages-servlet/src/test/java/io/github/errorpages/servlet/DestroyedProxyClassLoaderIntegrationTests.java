package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Enumeration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;

/**
 * The proxy in a web application's own class loader ({@code WEB-INF/lib}): once the application is undeployed
 * ({@link ReverseProxyServlet#destroy()}) and nothing of it is referenced any more, the JDK transport's client left
 * nothing in the JVM that keeps its class loader, and with it every class and static of the application, from being
 * collected, as the documentation promises of {@code destroy()} (operations.md: nothing of its clients outlives
 * the servlet).
 */
class DestroyedProxyClassLoaderIntegrationTests {

    /**
     * The JDK releases its client once the facade it handed out is collected, but the selector kept an exchange the
     * servlet's client had made (a pooled connection's last one), whose body handler reached the proxy, its
     * {@code GuardedHttpClient} and the client wrapping that facade: on Java 21 on the stopped client was never
     * released; on Java 17 its selector thread, which holds the servlet's protection domain, ran as long as its
     * pooled connection stayed open (20 minutes by default).
     */
    @Test
    void aDestroyedJdkTransportKeepsNoApplicationClassLoaderAlive() throws Exception {
        // The JDK's shared delay thread, started lazily and never ended, keeps the protection domains of the stack
        // that started it (Java 17): started here, not by the application's code.
        CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS).execute(() -> { });
        ReferenceQueue<ClassLoader> collected = new ReferenceQueue<>();
        WeakReference<ClassLoader> application;
        try (FaultyUpstream upstream = FaultyUpstream.start(Behaviour.ok())) {
            application = proxyInAnApplicationThenUndeploy(upstream, collected);

            // Each round waits up to 200 ms for the collection to be reported, so that the JDK's cleaner and the
            // client's selector thread (which looks every 3 s whether its client is still referenced, Java 17) let
            // go of the loader between collections.
            boolean reported = false;
            for (int i = 0; i < 75 && !reported; i++) {
                System.gc();
                reported = collected.remove(200) != null;
            }

            assertThat(reported).as("the application's class loader, collected").isTrue();
            assertThat(application.get()).isNull();
        }
    }

    private static WeakReference<ClassLoader> proxyInAnApplicationThenUndeploy(FaultyUpstream upstream,
            ReferenceQueue<ClassLoader> collected) throws Exception {
        ClassLoader caller = Thread.currentThread().getContextClassLoader();
        ApplicationLoader loader = new ApplicationLoader(caller,
                ErrorPages.class.getProtectionDomain().getCodeSource().getLocation(),
                ReverseProxyServlet.class.getProtectionDomain().getCodeSource().getLocation());
        Class<?> servletClass = loader.loadClass(ReverseProxyServlet.class.getName());
        assertThat(servletClass.getClassLoader()).isSameAs(loader);
        JettyServer proxy = new JettyServer();
        proxy.context().setClassLoader(loader); // the application's threads run with it, as a container's do
        ServletHolder holder = new ServletHolder((HttpServlet) servletClass.getConstructor().newInstance());
        holder.setInitParameter("endpoints", upstream.uri().toString());
        holder.setInitParameter("transport", "jdk");
        holder.setInitParameter("max-attempts", "1");
        holder.setInitOrder(1);
        holder.setAsyncSupported(true);
        proxy.context().addServlet(holder, "/*");
        Thread.currentThread().setContextClassLoader(loader); // as a container does while it starts the application
        try {
            proxy.start();
        } finally {
            Thread.currentThread().setContextClassLoader(caller);
        }
        HttpClient client = HttpClient.newHttpClient();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(proxy.uri("/orders")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
        }
        proxy.close(); // the undeploy: the servlet destroyed, its pooled connection to the upstream idle until then
        return new WeakReference<>(loader, collected);
    }

    /**
     * Loads the library's classes itself, child first, as a web application's loader does with {@code WEB-INF/lib},
     * and everything else (the tests' own classes too) from its parent. Service files are its own only.
     */
    private static final class ApplicationLoader extends URLClassLoader {

        ApplicationLoader(ClassLoader parent, URL... library) {
            super("application", library, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.github.errorpages.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded != null) {
                    return loaded;
                }
                try {
                    return findClass(name);
                } catch (ClassNotFoundException notTheLibrarys) {
                    return super.loadClass(name, resolve);
                }
            }
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return name.startsWith("META-INF/services/io.github.errorpages.") ? findResources(name)
                    : super.getResources(name);
        }

        @Override
        public URL getResource(String name) {
            URL own = findResource(name);
            return own != null ? own : super.getResource(name);
        }
    }
}
