package io.github.errorpages.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream response that the JDK's client cannot survive, through the {@code jdk} transport: a chunk size of 2^31
 * or more, on which the JDK's chunked-body parser (JDK 17 to 25) loops for ever. The servlet's client parsed
 * responses without a request body on its only selector thread, so that one response stopped every later exchange of
 * the servlet (each a 504 after its timeout) until a restart; a fixed number of threads would stop it after as many
 * such responses. Run in a JVM of its own ({@link HugeChunkProbe}): the looping threads burn cores until its JVM ends.
 */
class JdkTransportHugeChunkIntegrationTests {

    @Test
    void responsesTheJdkClientLoopsOnDoNotStopTheNextExchanges(@TempDir Path folder) throws Exception {
        String printed = run(HugeChunkProbe.class, folder);

        assertThat(printed).as(printed).contains("next: 200 ok");
    }

    /**
     * The JDK's client parses bytes that have arrived already within the reader's request for more: the servlet's
     * thread that copied the body looped there for good, its client's response neither ended nor aborted.
     */
    @Test
    void theServletsThreadNeverLoopsInTheParser(@TempDir Path folder) throws Exception {
        String printed = run(LateReaderLoopProbe.class, folder);

        assertThat(printed).as(printed).contains("response: ended")
                .contains("looping: error-pages-proxy-orders-client-").doesNotContain("looping: qtp");
    }

    private static String run(Class<?> probeClass, Path folder) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path output = folder.resolve("probe.log"); // a file, not a pipe, which a chatty probe would fill and block on
        Process probe = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                probeClass.getName())).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("the probe ended").isTrue();
            return Files.readString(output, StandardCharsets.UTF_8);
        } finally {
            probe.destroyForcibly();
        }
    }
}
