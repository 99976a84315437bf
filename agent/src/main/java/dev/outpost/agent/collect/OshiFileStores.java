package dev.outpost.agent.collect;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import oshi.software.os.FileSystem;
import oshi.software.os.OSFileStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mounted filesystems, from OSHI file store objects kept between cycles: the list is rebuilt (which forks
 * lsblk) only when the mount table changes; otherwise each accepted local store just re-reads its sizes with one
 * statvfs call ({@link Statvfs}), computed as OSHI computes them. Network filesystems, and every store when the
 * direct call is unavailable or fails, are refreshed by OSHI itself (which guards against a hung NFS server).
 */
final class OshiFileStores {
    private static final Logger LOG = LoggerFactory.getLogger(OshiFileStores.class);

    private final FileSystem fileSystem;
    private final ChangeWatch mountTable;
    private List<OSFileStore> stores = List.of();
    private boolean[] readOnly = new boolean[0];
    /** Whether {@link #acceptedBy} accepts each store: decided once per list and filter, not every cycle. */
    private boolean[] accepted = new boolean[0];
    private FilesystemFilter acceptedBy;
    /** Null when libc cannot be linked through JNA: OSHI's refresh is used instead. */
    private Statvfs statvfs;

    OshiFileStores(FileSystem fileSystem, Path mountInfo) {
        this.fileSystem = Objects.requireNonNull(fileSystem, "fileSystem");
        this.mountTable = new ChangeWatch(mountInfo);
        try {
            this.statvfs = new Statvfs();
        } catch (LinkageError e) {
            LOG.info("filesystem sizes through OSHI: statvfs through JNA is unavailable ({})", e.toString());
        }
    }

    List<HostProbe.FileStore> read(FilesystemFilter filter) {
        boolean fresh = mountTable.changed();
        if (fresh) {
            stores = List.copyOf(fileSystem.getFileStores());
            readOnly = new boolean[stores.size()];
            for (int i = 0; i < readOnly.length; i++) {
                readOnly[i] = readOnly(stores.get(i).getOptions());
            }
        }
        if (fresh || filter != acceptedBy) {
            accepted = new boolean[stores.size()];
            for (int i = 0; i < accepted.length; i++) {
                accepted[i] = filter.accepts(stores.get(i).getType(), stores.get(i).getMount());
            }
            acceptedBy = filter;
        }
        List<HostProbe.FileStore> result = new ArrayList<>(stores.size());
        for (int i = 0; i < stores.size(); i++) {
            OSFileStore store = stores.get(i);
            if (!accepted[i]) {
                continue;
            }
            long[] sizes = fresh ? null : sizes(store);
            if (sizes != null) {
                result.add(new HostProbe.FileStore(store.getVolume(), store.getMount(), store.getType(), readOnly[i],
                        sizes[2], sizes[4], sizes[3], sizes[0], sizes[1]));
                continue;
            }
            if (!fresh && !store.updateAttributes()) {
                continue;
            }
            result.add(new HostProbe.FileStore(store.getVolume(), store.getMount(), store.getType(), readOnly[i],
                    store.getTotalSpace(), store.getFreeSpace(), store.getUsableSpace(), store.getTotalInodes(),
                    store.getFreeInodes()));
        }
        return result;
    }

    /**
     * {@code [totalInodes, freeInodes, totalBytes, usableBytes, freeBytes]} of a local store as OSHI's refresh
     * computes them (sizes from java.io.File when statvfs says 0 bytes in all); null to let OSHI refresh it.
     */
    private long[] sizes(OSFileStore store) {
        if (statvfs == null || !store.isLocal()) {
            return null;
        }
        long[] v = statvfs.query(store.getMount());
        if (v != null && v[2] == 0) {
            File f = new File(store.getMount());
            v[2] = f.getTotalSpace();
            v[3] = f.getUsableSpace();
            v[4] = f.getFreeSpace();
        }
        return v;
    }

    private static boolean readOnly(String options) {
        for (String option : options.split(",")) {
            if (option.equals("ro")) {
                return true;
            }
        }
        return false;
    }
}
