package dev.outpost.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.outpost.agent.config.AgentConfig;
import dev.outpost.agent.status.AgentStatus;
import dev.outpost.agent.status.StatusFile;
import dev.outpost.wire.cli.Args;
import dev.outpost.wire.cli.ExitCodes;
import dev.outpost.wire.config.ConfigException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code outpost-agent status}: reads the state file the daemon rewrites; works whether or not it runs. */
final class StatusCommand {
    private final PrintStream out;
    private final Map<String, String> env;
    private final Clock clock;

    StatusCommand(PrintStream out, Map<String, String> env, Clock clock) {
        this.out = out;
        this.env = env;
        this.clock = clock;
    }

    int run(List<String> argv) throws Args.UsageException, ConfigException, IOException {
        Args a = Args.parse(argv, Set.of("config", "state-dir"), Set.of("json"));
        Path stateDir = a.get("state-dir", null) != null ? Path.of(a.get("state-dir", null))
                : AgentConfig.load(AgentCli.configPath(a), env).stateDir();
        StatusFile file = new StatusFile(stateDir);
        if (!Files.exists(file.path())) {
            out.println("no status yet: " + file.path() + " does not exist (the agent has not run here)");
            return ExitCodes.UNAVAILABLE;
        }
        AgentStatus s = file.read();
        boolean alive = ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false);
        if (a.flag("json")) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(s));
            return ExitCodes.OK;
        }
        out.println("agent:        " + s.agentId() + " (org " + s.org() + ")");
        out.println("daemon:       " + (alive && "running".equals(s.state()) ? "running, pid " + s.pid()
                : s.state().equals("refused") ? "stopped: refused by the gateway: " + s.stateReason() : "not running")
                + " (status written " + s.updated() + ")");
        out.println("gateway:      " + s.ingestUrl());
        out.println("certificate:  valid until " + s.certificateNotAfter() + "; " + (s.nextRenewal() != null
                ? "renewal due " + s.nextRenewal() : "no renewal planned") + ", " + s.renewalFailures()
                + " renewal failures");
        out.println("last push:    " + (s.lastPushAttempt() == null ? "none" : s.lastPushAttempt() + " " + s.lastPushResult()));
        out.println("last success: " + (s.lastSuccess() == null ? "none" : s.lastSuccess()) + "; " + s.batchesSent()
                + " batches sent");
        out.println("queue:        " + s.queueBatches() + " batches, " + s.queueBytes() + " bytes on disk, oldest "
                + s.oldestBatchAgeSeconds() + " s" + (s.queueHeldInMemory() > 0 ? "; " + s.queueHeldInMemory()
                + " of them held in memory only" : ""));
        if (s.diskProblem() != null) {
            out.println("disk:         the queue cannot write: " + s.diskProblem());
        }
        out.println("dropped:      " + s.droppedQueueFull() + " (queue full), " + s.droppedDiskFull() + " (disk full), "
                + s.droppedCorrupt() + " (corrupt), " + s.droppedRejected() + " (rejected by the gateway)");
        out.println("retries:      " + s.retries() + "; next batch sequence " + s.nextSequence()
                + (s.batchKeyOffset() == 0 ? "" : ", sent with key " + (s.nextSequence() + s.batchKeyOffset())
                + " (keys are the sequence + " + s.batchKeyOffset() + ": the gateway had stored these sequence numbers "
                + "before)"));
        return ExitCodes.OK;
    }
}
