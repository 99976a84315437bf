package dev.outpost.gateway;

import dev.outpost.gateway.cli.GatewayCli;
import java.time.Clock;

/** Entry point of {@code outpost-gateway}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        int code = new GatewayCli(System.out, System.err, System.getenv(), Clock.systemUTC()).run(args);
        if (code != 0 || !(args.length > 0 && args[0].equals("serve"))) {
            System.exit(code);
        }
    }
}
