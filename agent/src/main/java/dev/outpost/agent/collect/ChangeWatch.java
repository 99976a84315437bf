package dev.outpost.agent.collect;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Tells whether small kernel files (the mount table) or directory listings (block devices) changed since the last
 * look, so that OSHI's object lists are rebuilt only then: rebuilding the file store list forks lsblk, rebuilding the
 * disk list enumerates devices for milliseconds. A look costs one read per source and no
 * child process; a source that cannot be read counts as empty.
 */
final class ChangeWatch {
    private final List<Path> sources;
    /** The files among the sources, kept open (see {@link ProcFile}); made at their first read. */
    private final ProcFile[] files;
    private byte[] last;

    /** Watches the content of each file and the names in each directory among {@code sources}. */
    ChangeWatch(Path... sources) {
        if (sources.length == 0) {
            throw new IllegalArgumentException("sources: at least one file or directory to watch is needed");
        }
        this.sources = List.of(sources);
        this.files = new ProcFile[sources.length];
    }

    /** True on the first call and whenever some source differs from the previous call's. */
    boolean changed() {
        byte[] now = read();
        if (last != null && Arrays.equals(last, now)) {
            return false;
        }
        last = now;
        return true;
    }

    private byte[] read() {
        ByteArrayOutputStream all = new ByteArrayOutputStream(4096);
        for (int i = 0; i < files.length; i++) {
            all.writeBytes(readOne(i));
            all.write(0);
        }
        return all.toByteArray();
    }

    private byte[] readOne(int index) {
        Path source = sources.get(index);
        try {
            if (!source.toFile().isDirectory()) {
                if (files[index] == null) {
                    files[index] = new ProcFile(source); // kept open, as the other /proc reads of a cycle
                }
                return files[index].bytes();
            }
            // A loop and a sorted array rather than a stream pipeline: this runs once per cycle, interpreted.
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(source)) {
                for (Path entry : entries) {
                    names.add(entry.getFileName().toString());
                }
            }
            String[] sorted = names.toArray(new String[0]);
            Arrays.sort(sorted);
            return String.join("\n", sorted).getBytes(StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException | DirectoryIteratorException e) {
            return new byte[0];
        }
    }
}
