package io.github.errorpages.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.ThreadFactory;
import org.junit.jupiter.api.Test;

class DaemonThreadsTests {

    /**
     * A pool makes its threads on the thread that first needs one: a container thread of the web application, whose
     * loader a new thread would take along and keep after an undeploy (Tomcat warned of the body reads' threads).
     */
    @Test
    void itsThreadsTakeNoClassLoaderOfTheThreadThatMadeThem() throws Exception {
        ThreadFactory threads = DaemonThreads.named("error-pages-proxy-orders-body");
        Thread making = Thread.currentThread();
        ClassLoader saved = making.getContextClassLoader();
        Thread made;
        try (URLClassLoader application = new URLClassLoader("application", new URL[0], saved)) {
            making.setContextClassLoader(application);
            made = threads.newThread(() -> { });
        } finally {
            making.setContextClassLoader(saved);
        }

        assertThat(made.getContextClassLoader()).isSameAs(ClassLoader.getPlatformClassLoader());
        assertThat(made.isDaemon()).isTrue();
        assertThat(made.getName()).isEqualTo("error-pages-proxy-orders-body-1");
        assertThat(threads.newThread(() -> { }).getName()).isEqualTo("error-pages-proxy-orders-body-2");
    }
}
