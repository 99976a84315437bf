package dev.outpost.bench;

import dev.outpost.agent.config.PushConfig;
import dev.outpost.agent.transport.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The reconnect spread after a gateway is lost: N simulated agents (the agent's real {@link Backoff} with the default
 * push settings, each with its own random) lose their connection at the same instant; prints how many reconnect in
 * each second after, and the busiest second. Prints figures; asserts nothing.
 */
public final class ReconnectSpreadBenchmark {
    private ReconnectSpreadBenchmark() {
    }

    public static void main(String[] args) {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        PushConfig push = PushConfig.defaults();
        SplittableRandom seeds = new SplittableRandom();
        for (Duration spread : new Duration[] {Duration.ZERO, push.reconnectSpread()}) {
            int seconds = (int) Math.max(1, Math.max(spread.toSeconds(), push.backoffInitial().toSeconds())) + 1;
            int[] perSecond = new int[seconds];
            for (int i = 0; i < agents; i++) {
                Backoff b = new Backoff(push.backoffInitial(), push.backoffMax(), push.retryAfterMax(), spread,
                        seeds.split(), Clock.systemUTC());
                long ms = b.nextDelay(null, true).toMillis();
                perSecond[(int) Math.min(seconds - 1, ms / 1000)]++;
            }
            int max = 0;
            StringBuilder row = new StringBuilder();
            for (int s = 0; s < seconds; s++) {
                max = Math.max(max, perSecond[s]);
                row.append(String.format(" %d", perSecond[s]));
            }
            System.out.printf("%d agents, push.reconnect_spread %s: busiest second %d reconnects; per second:%s%n",
                    agents, spread.isZero() ? "0 (backoff_initial " + push.backoffInitial().toSeconds() + "s only)"
                            : spread.toSeconds() + "s", max, row);
        }
    }
}
