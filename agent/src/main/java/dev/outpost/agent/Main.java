package dev.outpost.agent;

import dev.outpost.agent.cli.AgentCli;
import java.time.Clock;

/** Entry point of {@code outpost-agent}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(new AgentCli(System.out, System.err, System.getenv(), Clock.systemUTC()).run(args));
    }
}
