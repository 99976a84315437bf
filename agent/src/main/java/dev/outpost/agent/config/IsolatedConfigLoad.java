package dev.outpost.agent.config;

import dev.outpost.wire.config.ConfigException;
import dev.outpost.wire.config.InvalidConfigException;
import dev.outpost.wire.config.LogConfig;
import dev.outpost.wire.config.Violation;
import dev.outpost.wire.config.Violations;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads agent.yaml through a class loader of its own, dropped once the config is read: the YAML parser, Jackson's
 * databind and the config binding (about 700 classes, some 5 MB of metaspace) are needed at start and at a reload,
 * and would otherwise sit in the daemon's memory for its whole life, since the application's class loader never
 * unloads a class. Only those classes are defined by the throwaway loader; everything else, and every type that
 * crosses over ({@link AgentConfig}, its sections, {@link ConfigException}, the Jackson annotations they carry),
 * comes from the application's. It runs on a thread of its own, so that no thread-local cache keeps the loader alive;
 * a full GC then unloads it (the daemon asks for one after start, see {@code AgentRuntime}).
 */
final class IsolatedConfigLoad {
    /**
     * Defined by the throwaway loader: the YAML and databind code, the annotations databind looks for, and the config
     * reader that uses them.
     */
    static final List<String> OWN = List.of("com.fasterxml.jackson.core.", "com.fasterxml.jackson.databind.",
            "com.fasterxml.jackson.dataformat.", "com.fasterxml.jackson.annotation.", "org.yaml.snakeyaml.",
            "dev.outpost.wire.config.", ConfigParse.class.getName());
    /**
     * The types that cross from the reader to the daemon, of a package that is otherwise the reader's: the config
     * types (records' checks, errors), of which only public members are used across; and the Jackson annotations the
     * config records carry ({@link QueueConfig}, {@link PushConfig}), with the types their members return and their
     * meta-annotation, which databind must see as the classes it knows. Databind's ~45 other annotation types stay
     * with the reader and are unloaded with it.
     */
    static final List<String> SHARED = List.of(ConfigException.class.getName(),
            InvalidConfigException.class.getName(), Violation.class.getName(), Violations.class.getName(),
            LogConfig.class.getName(), "com.fasterxml.jackson.annotation.JsonCreator",
            "com.fasterxml.jackson.annotation.JsonProperty", "com.fasterxml.jackson.annotation.OptBoolean",
            "com.fasterxml.jackson.annotation.JacksonAnnotation");

    private IsolatedConfigLoad() {
    }

    static AgentConfig load(Path file, Map<String, String> env) throws ConfigException {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread reader = new Thread(() -> result.set(loadHere(file, env)), "outpost-config");
        reader.setDaemon(true);
        reader.start();
        boolean interrupted = false;
        while (true) {
            try {
                reader.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Object r = result.get();
        if (r instanceof AgentConfig c) {
            return c;
        } else if (r instanceof ConfigException e) {
            throw e;
        } else if (r instanceof RuntimeException e) {
            throw e;
        } else if (r instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("reading " + file + " failed: " + r);
    }

    /** The config, or what was thrown. */
    private static Object loadHere(Path file, Map<String, String> env) {
        try {
            Class<?> parse = Class.forName(ConfigParse.class.getName(), true,
                    new Own(IsolatedConfigLoad.class.getClassLoader()));
            return parse.getMethod("load", Path.class, Map.class).invoke(null, file, env);
        } catch (InvocationTargetException e) {
            return e.getCause();
        } catch (ReflectiveOperationException e) {
            return new IllegalStateException("cannot load the config reader: " + e, e);
        } catch (RuntimeException | Error e) {
            return e;
        }
    }

    /** Child-first for the {@link #OWN} classes, read from the application's class path; parent-first otherwise. */
    private static final class Own extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        Own(ClassLoader parent) {
            super("outpost-config", parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!own(name)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = define(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        private Class<?> define(String name) throws ClassNotFoundException {
            String resource = name.replace('.', '/') + ".class";
            try (InputStream in = getParent().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new ClassNotFoundException(name);
                }
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }

        private static boolean own(String name) {
            for (String shared : SHARED) {
                if (name.equals(shared) || name.startsWith(shared + "$")) {
                    return false;
                }
            }
            for (String prefix : OWN) {
                if (name.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }
    }
}
