package dev.outpost.wire.cli;

import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one subcommand of a program and turns every failure into a one-line message and a {@code sysexits}
 * code: usage 64, configuration 78, I/O 1, anything unexpected 70 (logged with its stack trace).
 */
public final class CommandRunner {
    /** Dispatches a subcommand; returns its exit code. */
    @FunctionalInterface
    public interface Dispatch {
        int run(String command, List<String> args) throws Exception;
    }

    private final String program;
    private final String usage;
    private final String version;
    private final PrintStream out;
    private final PrintStream err;

    public CommandRunner(String program, String usage, String version, PrintStream out, PrintStream err) {
        this.program = program;
        this.usage = usage;
        this.version = version;
        this.out = out;
        this.err = err;
    }

    /** Runs {@code args[0]} through {@code dispatch}; {@code version} and {@code help} are handled here. Never throws. */
    public int run(String[] args, Dispatch dispatch) {
        if (args.length == 0) {
            err.println(usage);
            return ExitCodes.USAGE;
        }
        try {
            switch (args[0]) {
                case "version", "--version" -> {
                    out.println(program + " " + version);
                    return ExitCodes.OK;
                }
                case "help", "--help", "-h" -> {
                    out.println(usage);
                    return ExitCodes.OK;
                }
                default -> {
                    return dispatch.run(args[0], List.of(args).subList(1, args.length));
                }
            }
        } catch (Args.UsageException e) {
            err.println(program + ": " + e.getMessage());
            err.println(usage);
            return ExitCodes.USAGE;
        } catch (ConfigException e) {
            err.println(program + ": configuration error:");
            err.println(e.getMessage());
            return ExitCodes.CONFIG;
        } catch (IOException e) {
            err.println(program + ": " + e.getMessage());
            return ExitCodes.FAILURE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.FAILURE;
        } catch (Exception e) {
            Logger log = LoggerFactory.getLogger(program);
            log.error("{} {} failed", program, args[0], e);
            err.println(program + ": internal error: " + e);
            return ExitCodes.SOFTWARE;
        }
    }

    /** The error for a command nobody knows. */
    public static Args.UsageException unknown(String command) {
        return new Args.UsageException("unknown command \"" + command + "\"");
    }
}
