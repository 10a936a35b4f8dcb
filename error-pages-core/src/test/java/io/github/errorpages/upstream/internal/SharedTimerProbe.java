package io.github.errorpages.upstream.internal;

import io.github.errorpages.upstream.UpstreamConfig;
import io.github.errorpages.upstream.UpstreamGuard;
import io.github.errorpages.upstream.UpstreamRequest;
import java.io.File;
import java.lang.reflect.Field;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A JVM of its own ({@link SharedTimerStartIntegrationTests}) in which a "web application", its own class loader
 * over the library, times a guarded call first; then tells whether the JDK's shared timer thread holds that loader,
 * as its context class loader or through its access control context. Prints {@code timer: ...}; exits 0 when
 * nothing holds it, 3 when something does, 2 when there is no timer thread to look at.
 */
public final class SharedTimerProbe {

    private static final List<String> TIMER_THREADS =
            List.of("CompletableFutureDelayScheduler", "ForkJoinPool.commonPool-delayScheduler");

    private SharedTimerProbe() {
    }

    public static void main(String[] args) throws Exception {
        List<URL> path = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            path.add(Path.of(entry).toUri().toURL());
        }
        try (URLClassLoader webapp = new URLClassLoader("webapp", path.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader())) {
            Thread.currentThread().setContextClassLoader(webapp);
            ((Runnable) webapp.loadClass(TimedCall.class.getName()).getDeclaredConstructor().newInstance()).run();
            Thread.currentThread().setContextClassLoader(ClassLoader.getSystemClassLoader());
            Thread timer = Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> TIMER_THREADS.contains(thread.getName())).findFirst().orElse(null);
            if (timer == null) {
                System.out.println("timer: none");
                System.exit(2);
            }
            boolean byContextLoader = timer.getContextClassLoader() == webapp;
            boolean byAccessContext = accessContextHolds(timer, webapp);
            System.out.println("timer: " + timer.getName() + ", context class loader is the application's: "
                    + byContextLoader + ", access control context holds it: " + byAccessContext);
            System.exit(byContextLoader || byAccessContext ? 3 : 0);
        }
    }

    /** Before Java 24, a thread keeps the access control context it was started in, protection domains and all. */
    private static boolean accessContextHolds(Thread thread, ClassLoader loader) throws ReflectiveOperationException {
        Field inherited;
        try {
            inherited = Thread.class.getDeclaredField("inheritedAccessControlContext");
        } catch (NoSuchFieldException sinceJava24) {
            return false;
        }
        inherited.setAccessible(true);
        Object context = inherited.get(thread);
        if (context == null) {
            return false;
        }
        Field domains = context.getClass().getDeclaredField("context");
        domains.setAccessible(true);
        ProtectionDomain[] held = (ProtectionDomain[]) domains.get(context);
        if (held != null) {
            for (ProtectionDomain domain : held) {
                if (domain != null && domain.getClassLoader() == loader) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The application's code: one guarded call whose attempt never ends, which its timer ends. Loaded by the
     * application's loader.
     */
    public static final class TimedCall implements Runnable {
        @Override
        public void run() {
            UpstreamGuard guard = UpstreamGuard.of(UpstreamConfig.builder("timed")
                    .endpoints(URI.create("http://127.0.0.1:1")).maxAttempts(1)
                    .attemptTimeout(Duration.ofMillis(100)).build());
            CompletableFuture<String> call = guard.callAsync(UpstreamRequest.of("GET"),
                    attempt -> new CompletableFuture<String>());
            System.out.println("call: " + call.handle((result, failure) -> failure != null ? "timed out" : result)
                    .join());
        }
    }
}
