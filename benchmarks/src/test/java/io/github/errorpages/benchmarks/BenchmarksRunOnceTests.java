package io.github.errorpages.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.github.errorpages.ErrorResponse;
import io.github.errorpages.FailureCause;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Every JMH benchmark's set-up and measured methods run, once each, as JMH would call them: a benchmark whose
 * set-up throws (a stub that no longer fits what the library calls) measures nothing, and only a JMH run, which
 * the test command does not start, would show it.
 */
class BenchmarksRunOnceTests {

    /** The benchmark classes of this package: those with a {@link Benchmark} method. */
    static Stream<Class<?>> benchmarkClasses() throws IOException, URISyntaxException {
        // The directory of a class of the module's own (that of the package's name could be the tests' one).
        Path directory = Path.of(FilterBenchmark.class.getResource("FilterBenchmark.class").toURI()).getParent();
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(".class") && !name.contains("$") && !name.contains("_jmh")) {
                    Class<?> type = classNamed(name.substring(0, name.length() - ".class".length()));
                    if (!benchmarkMethods(type).isEmpty()) {
                        classes.add(type);
                    }
                }
            }
        }
        return classes.stream();
    }

    @Test
    void findsEveryBenchmarkOfTheIssue() throws IOException, URISyntaxException {
        assertThat(benchmarkClasses().map(Class::getSimpleName)).contains("FilterBenchmark", "ClassificationBenchmark",
                "RenderingBenchmark", "OpenBreakerBenchmark");
    }

    /**
     * {@code ClassificationBenchmark} measures the chain it names: six levels, the DNS error at the bottom winning
     * over the {@code ConnectException} above it. Without that bottom level the chain was a level shorter and
     * classified as a refused connection, and the benchmark reported a time for a path other than the one it claims.
     */
    @Test
    void theClassificationBenchmarksChainIsClassifiedByTheDnsErrorAtItsBottom() {
        ClassificationBenchmark benchmark = new ClassificationBenchmark();
        benchmark.setUp();

        assertThat(benchmark.classifyDeepCauseChain().cause()).isEqualTo(FailureCause.DNS_ERROR);
        assertThat(benchmark.decide().status()).isEqualTo(502);
    }

    /**
     * Each of {@code RenderingBenchmark}'s methods renders the format its name says, as the README's table reports
     * them: a request whose Accept was negotiated to another format measured that format's page twice, under two
     * names.
     */
    @Test
    void eachRenderingBenchmarkRendersTheFormatItsNameSays() {
        RenderingBenchmark benchmark = new RenderingBenchmark();
        benchmark.setUp();

        assertThat(List.of(benchmark.html502(), benchmark.html502IntoTheThreadsArray(), benchmark.html502Gzip(),
                benchmark.problemJson502(), benchmark.text502()))
                .extracting(ErrorResponse::status, page -> page.contentType().split(";")[0],
                        page -> page.header("Content-Encoding"))
                .containsExactly(tuple(502, "text/html", null), tuple(502, "text/html", null),
                        tuple(502, "text/html", "gzip"), tuple(502, "application/problem+json", null),
                        tuple(502, "text/plain", null));
    }

    @ParameterizedTest
    @MethodSource("benchmarkClasses")
    void setsUpAndRunsEachBenchmarkTwice(Class<?> type) throws ReflectiveOperationException {
        Object state = type.getConstructor().newInstance();
        invokeAll(state, Setup.class);
        try {
            for (Method benchmark : benchmarkMethods(type)) {
                for (int invocation = 1; invocation <= 2; invocation++) { // the second after the first's state
                    Object result = invoke(state, benchmark);
                    assertThat(result).as("%s.%s, invocation %d", type.getSimpleName(), benchmark.getName(), invocation)
                            .isNotNull();
                    if (result instanceof Integer length) {
                        assertThat(length).as("%s.%s: the body written", type.getSimpleName(), benchmark.getName())
                                .isPositive();
                    }
                }
            }
        } finally {
            invokeAll(state, TearDown.class);
        }
    }

    private static List<Method> benchmarkMethods(Class<?> type) {
        return Arrays.stream(type.getMethods()).filter(method -> method.isAnnotationPresent(Benchmark.class))
                .sorted(Comparator.comparing(Method::getName)).toList();
    }

    private static void invokeAll(Object state, Class<? extends java.lang.annotation.Annotation> annotation)
            throws ReflectiveOperationException {
        for (Method method : state.getClass().getMethods()) {
            if (method.isAnnotationPresent(annotation) && !Modifier.isStatic(method.getModifiers())) {
                invoke(state, method);
            }
        }
    }

    private static Object invoke(Object state, Method method) throws ReflectiveOperationException {
        try {
            return method.invoke(state);
        } catch (InvocationTargetException e) {
            throw new AssertionError(state.getClass().getSimpleName() + "." + method.getName() + " threw "
                    + e.getCause(), e.getCause());
        }
    }

    private static Class<?> classNamed(String simpleName) {
        try {
            return Class.forName(FilterBenchmark.class.getPackageName() + "." + simpleName);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
