package dev.outpost.agent.collect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import oshi.software.os.FileSystem;
import oshi.software.os.OSFileStore;

/**
 * The mounted filesystems, from OSHI file store objects kept between cycles: the list is rebuilt (which forks
 * lsblk) only when the mount table changes; otherwise each accepted store just re-reads its sizes (statvfs).
 */
final class OshiFileStores {
    private final FileSystem fileSystem;
    private final ChangeWatch mountTable;
    private List<OSFileStore> stores = List.of();

    OshiFileStores(FileSystem fileSystem, Path mountInfo) {
        this.fileSystem = Objects.requireNonNull(fileSystem, "fileSystem");
        this.mountTable = new ChangeWatch(mountInfo);
    }

    List<HostProbe.FileStore> read(FilesystemFilter filter) {
        boolean fresh = mountTable.changed();
        if (fresh) {
            stores = List.copyOf(fileSystem.getFileStores());
        }
        List<HostProbe.FileStore> result = new ArrayList<>(stores.size());
        for (OSFileStore store : stores) {
            if (!filter.accepts(store.getType(), store.getMount())) {
                continue;
            }
            if (!fresh && !store.updateAttributes()) {
                continue;
            }
            result.add(new HostProbe.FileStore(store.getVolume(), store.getMount(), store.getType(),
                    readOnly(store.getOptions()), store.getTotalSpace(), store.getFreeSpace(),
                    store.getUsableSpace(), store.getTotalInodes(), store.getFreeInodes()));
        }
        return result;
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
