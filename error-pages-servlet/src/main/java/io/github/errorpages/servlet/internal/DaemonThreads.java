package io.github.errorpages.servlet.internal;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the threads of the JDK transport's pools: daemons, named {@code <prefix>-<n>}, with the platform class loader
 * as their context class loader. A pool makes a thread on whatever thread first needs one (a container thread of the
 * web application, the JDK client's selector thread, the JDK's shared delay thread), and a new thread takes that
 * thread's loader along: a web application's would be kept after an undeploy (a thread still running a task when
 * the servlet is destroyed, a relay of Java 17's client, outlives it until the task ends), and Tomcat warns of a
 * thread the application did not stop. They run the JDK client's code and the container's blocking reads, which load
 * nothing of the application's.
 *
 * <p>Thread-safe.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /**
     * @param prefix the threads' names before their number
     * @return a factory of such threads
     * @throws NullPointerException if {@code prefix} is {@code null}
     */
    public static ThreadFactory named(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            try {
                thread.setContextClassLoader(ClassLoader.getPlatformClassLoader());
            } catch (SecurityException notGranted) {
                // a security manager's policy without setContextClassLoader: as it is
            }
            return thread;
        };
    }
}
