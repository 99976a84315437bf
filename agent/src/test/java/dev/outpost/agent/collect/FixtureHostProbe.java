package dev.outpost.agent.collect;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A host read from a checked-in JSON fixture (src/test/resources/fixtures/host/*.json) instead of the OS, so
 * collectors are tested against exact, known figures. {@link #use} switches to another fixture for the next cycle.
 */
public final class FixtureHostProbe implements HostProbe {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    /** The JSON document: one field per probe method. */
    record Fixture(List<CpuTimes> cpuTimes, LoadAverage loadAverage, Memory memory, Paging paging,
            List<FileStore> fileStores, List<Disk> disks, List<Nic> networkInterfaces,
            Map<String, Long> tcpConnections, Processes processes, double uptimeSeconds, long bootTimeSeconds) {
    }

    private Fixture fixture;

    public FixtureHostProbe(String name) {
        use(name);
    }

    /** Reads fixtures/host/{name}.json; later calls return its figures. */
    public void use(String name) {
        String resource = "/fixtures/host/" + name + ".json";
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream(resource), resource)) {
            fixture = JSON.readValue(in, Fixture.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read fixture " + resource, e);
        }
    }

    @Override
    public List<CpuTimes> cpuTimes() {
        return fixture.cpuTimes();
    }

    @Override
    public LoadAverage loadAverage() {
        return fixture.loadAverage();
    }

    @Override
    public Memory memory() {
        return fixture.memory();
    }

    @Override
    public Paging paging() {
        return fixture.paging();
    }

    @Override
    public List<FileStore> fileStores(FilesystemFilter filter) {
        return fixture.fileStores().stream().filter(fs -> filter.accepts(fs.type(), fs.mountPoint())).toList();
    }

    @Override
    public List<Disk> disks() {
        return fixture.disks();
    }

    @Override
    public List<Nic> networkInterfaces() {
        return fixture.networkInterfaces();
    }

    @Override
    public Map<String, Long> tcpConnections() {
        return fixture.tcpConnections();
    }

    @Override
    public Processes processes() {
        return fixture.processes();
    }

    @Override
    public double uptimeSeconds() {
        return fixture.uptimeSeconds();
    }

    @Override
    public long bootTimeSeconds() {
        return fixture.bootTimeSeconds();
    }
}
