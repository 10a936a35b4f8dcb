package io.github.errorpages.page;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.errorpages.ErrorPages;
import java.io.IOException;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Collections;
import java.util.Enumeration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The library in a web application's own class loader ({@code WEB-INF/lib}): once the application is undeployed and
 * nothing of it is referenced any more, rendering pages left nothing in the JVM that keeps its class loader, and with
 * it every class and template of the application, from being collected: neither the renderer's caches nor the body
 * arrays a thread keeps for its next page ({@code ThreadBodies}).
 */
class ApplicationClassLoaderTests {

    /**
     * The page renderer's cache key was a record: the first {@code equals} of a record's class (a page of the same
     * shape rendered again) is made by the JDK's {@code ObjectMethods}, whose static method handle kept the last
     * type it was adapted to, with the record's class in it, until another record's {@code equals} was made
     * anywhere in the JVM (JDK 17; later JDKs no longer hold on to it).
     */
    @Test
    void aPageRenderedTwiceKeepsNoApplicationClassLoaderAlive() throws Exception {
        ReferenceQueue<ClassLoader> collected = new ReferenceQueue<>();
        WeakReference<ClassLoader> application = renderTwiceInAnApplication(collected);

        // Each round waits up to 200 ms for the collection to be reported, so that what the JDK's finalizer and
        // cleaner threads still hold of the loader is let go of between collections (a busy machine runs them late).
        boolean reported = false;
        for (int i = 0; i < 50 && !reported; i++) {
            System.gc();
            reported = collected.remove(200) != null;
        }

        assertThat(reported).as("the application's class loader, collected").isTrue();
        assertThat(application.get()).isNull();
    }

    private static WeakReference<ClassLoader> renderTwiceInAnApplication(ReferenceQueue<ClassLoader> collected)
            throws Exception {
        ClassLoader caller = Thread.currentThread().getContextClassLoader();
        ApplicationLoader loader = new ApplicationLoader(
                ErrorPages.class.getProtectionDomain().getCodeSource().getLocation(), caller);
        Thread.currentThread().setContextClassLoader(loader); // as a container does for the application's threads
        try {
            Class<?> pages = loader.loadClass("io.github.errorpages.ErrorPages");
            assertThat(pages.getClassLoader()).isSameAs(loader);
            Object errorPages = pages.getMethod("ofDefaults").invoke(null);
            Class<?> causes = loader.loadClass("io.github.errorpages.FailureCause");
            Class<?> failures = loader.loadClass("io.github.errorpages.UpstreamFailure");
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object refused = Enum.valueOf((Class) causes, "CONNECTION_REFUSED");
            Object failure = failures.getMethod("of", causes).invoke(null, refused);
            Class<?> requests = loader.loadClass("io.github.errorpages.ErrorRequest");
            Object browser = requests.getConstructor(String.class, String.class, String.class, String.class,
                    String.class).newInstance("GET", "/orders", "text/html", null, null);
            for (int i = 0; i < 2; i++) {
                Object page = pages.getMethod("render", failures, requests).invoke(errorPages, failure, browser);
                assertThat(page.toString()).contains("502");
            }
            // And twice into this thread's own body arrays, as the servlet filter renders: what the thread keeps
            // for its next page must not keep the loader.
            Class<?> threadBodies = loader.loadClass("io.github.errorpages.internal.ThreadBodies");
            Supplier<Object> render = () -> {
                try {
                    return pages.getMethod("render", failures, requests).invoke(errorPages, failure, browser);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            };
            for (int i = 0; i < 2; i++) {
                Object page = threadBodies.getMethod("rendering", Supplier.class).invoke(null, render);
                assertThat(page.toString()).contains("502");
            }
        } finally {
            Thread.currentThread().setContextClassLoader(caller);
        }
        return new WeakReference<>(loader, collected);
    }

    /**
     * Loads the library's classes itself, child first, as a web application's loader does with {@code WEB-INF/lib},
     * and everything else from its parent. Service files are its own only: the tests' own would name test classes
     * it does not have.
     */
    private static final class ApplicationLoader extends URLClassLoader {

        ApplicationLoader(URL library, ClassLoader parent) {
            super("application", new URL[] {library}, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.github.errorpages.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                return loaded != null ? loaded : findClass(name);
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
