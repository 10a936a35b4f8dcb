package io.github.errorpages.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class StripedSecureRandomTests {

    @Test
    void randomUuidIsVersion4WithTheIetfVariant() {
        UUID uuid = StripedSecureRandom.randomUuid();

        assertThat(uuid.version()).isEqualTo(4);
        assertThat(uuid.variant()).isEqualTo(2);
        assertThat(uuid.toString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void valuesDoNotRepeat() {
        Set<Long> values = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            values.add(StripedSecureRandom.nextLong());
        }

        assertThat(values).hasSize(10_000);
    }

    @Test
    void everyBitVaries() {
        long ones = 0;
        long zeros = 0;
        for (int i = 0; i < 256; i++) {
            long value = StripedSecureRandom.nextLong();
            ones |= value;
            zeros |= ~value;
        }

        assertThat(ones).isEqualTo(-1L);
        assertThat(zeros).isEqualTo(-1L);
    }

    @Test
    void threadsOnDifferentStripesGetDifferentValues() throws InterruptedException {
        Set<UUID> uuids = ConcurrentHashMap.newKeySet();
        ExecutorService threads = Executors.newFixedThreadPool(32);
        CountDownLatch done = new CountDownLatch(32);
        try {
            for (int t = 0; t < 32; t++) {
                threads.execute(() -> {
                    for (int i = 0; i < 500; i++) {
                        uuids.add(StripedSecureRandom.randomUuid());
                    }
                    done.countDown();
                });
            }
            assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            threads.shutdownNow();
        }

        assertThat(uuids).hasSize(32 * 500);
    }
}
