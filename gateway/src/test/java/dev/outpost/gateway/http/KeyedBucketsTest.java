package dev.outpost.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeyedBucketsTest {
    @Test
    void aBucketRefillsAtItsRateUpToItsBurstAndSaysHowLongToWait() {
        TokenBucket b = TokenBucket.of(10, 2, 0);
        assertEquals(0, b.take(20, 0), "the burst: 2 s of 10/s");
        assertEquals(100, b.take(1, 0), "one more token in 100 ms");
        assertEquals(0, b.take(1, 100));
        assertEquals(0, b.take(500, 10_000), "a request above the burst waits for a full bucket, no longer");
        assertTrue(b.full(12_000));
        assertEquals(null, TokenBucket.of(0, 2, 0), "rate 0: no bucket, no limit");
    }

    @Test
    void idleKeysAreForgottenFirstAndTheMapNeverGrowsPastItsBound() {
        KeyedBuckets<TokenBucket> keys = new KeyedBuckets<>(3, TokenBucket::idle);
        TokenBucket a = keys.get("a", t -> TokenBucket.of(1, 1, t), 0);
        a.take(1, 0);
        keys.get("b", t -> TokenBucket.of(1, 1, t), 0);
        keys.get("c", t -> TokenBucket.of(1, 1, t), 0).take(1, 0);
        keys.get("d", t -> TokenBucket.of(1, 1, t), 0);
        assertEquals(3, keys.size(), "b was full (idle) and made room for d");
        assertSame(a, keys.get("a", t -> TokenBucket.of(1, 1, t), 0), "a busy key keeps its bucket");

        keys.get("d", t -> TokenBucket.of(1, 1, t), 0).take(1, 0);
        TokenBucket e = keys.get("e", t -> TokenBucket.of(1, 1, t), 0);
        assertEquals(1, keys.size(), "every key busy: the map starts over rather than grow");
        assertNotSame(a, keys.get("a", t -> TokenBucket.of(1, 1, t), 0));
        assertSame(e, keys.get("e", t -> TokenBucket.of(1, 1, t), 0));
        for (int i = 0; i < 10_000; i++) {
            keys.get("k" + i, t -> TokenBucket.of(1, 1, t), 0).take(1, 0);
            assertTrue(keys.size() <= 3);
        }
    }
}
