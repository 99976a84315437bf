package dev.outpost.gateway.sink.file;

import dev.outpost.gateway.ingest.StampedBatch;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/** The file sink's NDJSON rendering of a group of batches, for the fuzz tests of the OTLP body path. */
public final class NdjsonRendering {
    private NdjsonRendering() {
    }

    /** Writes the lines the file sink would append for {@code batches}. */
    public static void render(List<StampedBatch> batches, OutputStream out) throws IOException {
        new NdjsonWriter().write(batches, out);
    }
}
