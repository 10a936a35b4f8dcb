package io.github.errorpages.upstream;

import io.github.errorpages.testing.FaultyUpstream;
import io.github.errorpages.testing.FaultyUpstream.Behaviour;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts {@link FaultyUpstream}s for one test and closes them after it; register with {@code @RegisterExtension}. */
final class LoopbackUpstreams implements AfterEachCallback {

    private final List<FaultyUpstream> started = new ArrayList<>();

    /**
     * @param behaviour what the upstream does with each request
     * @return a running upstream on a loopback port
     */
    FaultyUpstream start(Behaviour behaviour) {
        FaultyUpstream upstream = FaultyUpstream.start(behaviour);
        started.add(upstream);
        return upstream;
    }

    /** @return the base URL of a loopback port nothing listens on (connection refused) */
    static URI refusing() {
        return URI.create("http://127.0.0.1:" + FaultyUpstream.closedPort());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        started.forEach(FaultyUpstream::close);
        started.clear();
    }
}
