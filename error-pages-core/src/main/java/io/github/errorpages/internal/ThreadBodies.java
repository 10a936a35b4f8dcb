package io.github.errorpages.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Body arrays of the rendering thread's own, for a transport that writes a page's body at once, with a blocking
 * write, before its thread renders another page: there a page rendered ahead ({@code PageShape}) goes into an array
 * the thread used for an earlier page of the same length, instead of a new one. Under load a new page-sized array is
 * memory the CPU has not touched lately, and filling it was the largest cost of the library's own code in a server
 * answering with pages (benchmarks/README.md, "Where the time goes", (b)).
 *
 * <p>Only within {@link #rendering}: every other page gets a new array, as {@code ErrorResponse} promises. The
 * response rendered there holds the thread's array, valid until the thread renders its next page within
 * {@code rendering}; its caller must write the body before that and hand the response to nobody. A blocking
 * {@code OutputStream.write} keeps no reference to the array it was given once it returns (a caller may reuse its
 * buffer, as {@code InputStream.transferTo} does); a non-blocking one may, and must not get such a body.
 *
 * <p>Not on a virtual thread (Java 21+): a server on virtual threads (Jetty's {@code VirtualThreadPool}, Tomcat's or
 * Spring Boot's virtual threads) runs each request on a thread of its own, which renders one page and ends, so the
 * arrays it kept would never be used again, and keeping them cost the thread's state on top of the page's new array
 * (88 B more per page, 2026-12-07, Temurin 25). There every page gets a new array, as outside {@link #rendering}.
 *
 * <p>Thread-safe: each thread has arrays of its own.
 */
public final class ThreadBodies {

    /** Lengths of arrays kept per thread: a thread that answers with two or three kinds of page keeps one of each. */
    private static final int KEPT = 4;

    // JDK types only, as the values of both: a value of a class of this library's would keep the web application's
    // class loader alive in the container's pool threads after it was undeployed (ApplicationClassLoaderTests).
    /** Per thread: how many {@link #rendering} calls it is within ([0]), and which kept array goes next ([1]). */
    private static final ThreadLocal<int[]> STATE = new ThreadLocal<>();
    /** Per thread: the arrays kept, of {@link #KEPT} lengths at most. */
    private static final ThreadLocal<byte[][]> ARRAYS = new ThreadLocal<>();

    /**
     * {@code Thread.isVirtual()} of Java 21, found once; {@code null} on Java 17, which has no virtual threads. Not
     * called directly: the library is built for Java 17.
     */
    private static final @Nullable MethodHandle IS_VIRTUAL = isVirtualMethod();

    private ThreadBodies() {
    }

    private static @Nullable MethodHandle isVirtualMethod() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException beforeJava21) {
            return null;
        }
    }

    /** @return whether the calling thread is a virtual one, which keeps no arrays (see the class's comment) */
    private static boolean onVirtualThread() {
        MethodHandle isVirtual = IS_VIRTUAL;
        if (isVirtual == null) {
            return false;
        }
        try {
            return (boolean) isVirtual.invokeExact(Thread.currentThread());
        } catch (Throwable impossible) {
            // Thread.isVirtual() throws nothing
            throw new IllegalStateException(impossible);
        }
    }

    /**
     * Runs a render whose page bodies may be arrays of this thread's own.
     *
     * @param render renders the page
     * @param <T> what it returns
     * @return what {@code render} returned
     */
    public static <T> T rendering(Supplier<T> render) {
        if (onVirtualThread()) {
            return render.get(); // no state: array() gives a new array, and the thread keeps nothing
        }
        int[] state = STATE.get();
        if (state == null) {
            state = new int[2];
            STATE.set(state);
        }
        state[0]++;
        try {
            return render.get();
        } finally {
            state[0]--;
        }
    }

    /**
     * @param length the body's length
     * @return within {@link #rendering}, an array of this thread's of that length, its contents left from an earlier
     *     page (to be overwritten whole); elsewhere a new array
     */
    public static byte[] array(int length) {
        if (onVirtualThread()) {
            return new byte[length]; // without STATE.get(), which would give the thread a map of thread-locals
        }
        int[] state = STATE.get();
        if (state == null || state[0] == 0) {
            return new byte[length];
        }
        byte[][] arrays = ARRAYS.get();
        if (arrays == null) {
            arrays = new byte[KEPT][];
            ARRAYS.set(arrays);
        }
        for (byte[] array : arrays) {
            if (array != null && array.length == length) {
                return array;
            }
        }
        // Replaced in turn: a length seen once (a page with a longer name in it, say) does not stay for good.
        byte[] array = new byte[length];
        arrays[state[1]] = array;
        state[1] = (state[1] + 1) % KEPT;
        return array;
    }
}
