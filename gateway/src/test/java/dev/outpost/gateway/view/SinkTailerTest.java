package dev.outpost.gateway.view;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinkTailerTest {

    @TempDir
    Path dir;

    private final List<String> lines = new ArrayList<>();

    private void poll(SinkTailer tailer) throws IOException {
        tailer.poll((buffer, offset, length) -> lines.add(new String(buffer, offset, length, UTF_8)));
    }

    private Path append(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void readsOnlyNewBytesAndWaitsForTheRestOfAPartialLine() throws IOException {
        SinkTailer tailer = new SinkTailer(dir, 1024, 1 << 20);
        append("metrics-1.ndjson", "a\nb\npar");
        poll(tailer);
        assertEquals(List.of("a", "b"), lines);
        poll(tailer);
        assertEquals(List.of("a", "b"), lines);
        append("metrics-1.ndjson", "tial\nc\n");
        poll(tailer);
        assertEquals(List.of("a", "b", "partial", "c"), lines);
        assertEquals(0, tailer.skippedLines());
    }

    @Test
    void followsRotationAndCountsATornTailOfTheOldFile() throws IOException {
        SinkTailer tailer = new SinkTailer(dir, 1024, 1 << 20);
        append("metrics-20261122T052000Z-000001.ndjson", "a\n");
        poll(tailer);
        append("metrics-20261122T052000Z-000001.ndjson", "b\ntor");
        append("metrics-20261122T052010Z-000002.ndjson", "c\n");
        append("metrics-20261122T052020Z-000003.ndjson", "d\ne");
        poll(tailer);
        assertEquals(List.of("a", "b", "c", "d"), lines);
        assertEquals(1, tailer.skippedLines());
        assertEquals("metrics-20261122T052020Z-000003.ndjson", tailer.currentFile().getFileName().toString());
    }

    @Test
    void movesOnWhenTheFollowedFileWasDeletedByRetention() throws IOException {
        SinkTailer tailer = new SinkTailer(dir, 1024, 1 << 20);
        Path first = append("metrics-1.ndjson", "a\n");
        poll(tailer);
        Files.delete(first);
        append("metrics-2.ndjson", "b\n");
        poll(tailer);
        assertEquals(List.of("a", "b"), lines);
    }

    @Test
    void skipsAndCountsLinesLongerThanTheBoundEvenAcrossPolls() throws IOException {
        SinkTailer tailer = new SinkTailer(dir, 8, 1 << 20);
        append("metrics-1.ndjson", "ok\n123456789\nfine\n0123456789");
        poll(tailer);
        append("metrics-1.ndjson", "abc\nlast\n");
        poll(tailer);
        assertEquals(List.of("ok", "fine", "last"), lines);
        assertEquals(2, tailer.skippedLines());
    }

    @Test
    void firstPollReadsOnlyTheBacklogFromTheEndStartingAtALineBoundary() throws IOException {
        append("metrics-1.ndjson", "old-1\nold-2\n");
        append("metrics-2.ndjson", "aaaa\nbbbb\ncccc\n");
        SinkTailer tailer = new SinkTailer(dir, 1024, 12);
        poll(tailer);
        assertEquals(List.of("bbbb", "cccc"), lines);
        assertEquals(0, tailer.skippedLines());
    }

    @Test
    void backlogReachesIntoTheOlderFileWhenTheNewestIsSmall() throws IOException {
        append("metrics-1.ndjson", "old-1\nold-2\n");
        append("metrics-2.ndjson", "new\n");
        SinkTailer tailer = new SinkTailer(dir, 1024, 10);
        poll(tailer);
        assertEquals(List.of("old-2", "new"), lines);
    }

    @Test
    void aMissingDirectoryOrOtherFilesAreNoData() throws IOException {
        append("other.log", "x\n");
        SinkTailer tailer = new SinkTailer(dir.resolve("metrics"), 1024, 1024);
        poll(tailer);
        assertEquals(List.of(), lines);
        assertNull(tailer.currentFile());
    }

    @Test
    void aTruncatedFileIsReadAgainFromTheStart() throws IOException {
        SinkTailer tailer = new SinkTailer(dir, 1024, 1024);
        append("metrics-1.ndjson", "first-line\n");
        poll(tailer);
        Files.writeString(dir.resolve("metrics-1.ndjson"), "new\n", UTF_8);
        poll(tailer);
        assertEquals(List.of("first-line", "new"), lines);
    }

    @Test
    void rejectsBadArgumentsNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SinkTailer(dir, 0, 1));
        assertEquals("maxLineBytes must be >= 1, got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SinkTailer(dir, 1, -1));
        assertEquals("backlogBytes must be >= 0, got -1", e.getMessage());
    }
}
