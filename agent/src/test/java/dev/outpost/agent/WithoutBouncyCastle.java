package dev.outpost.agent;

import java.io.IOException;
import java.io.InputStream;

/** Defines the agent's and wire's classes itself (child-first) and refuses every Bouncy Castle class. */
public final class WithoutBouncyCastle extends ClassLoader {
    public WithoutBouncyCastle(ClassLoader parent) {
        super("without-bc", parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (name.startsWith("org.bouncycastle.")) {
            throw new ClassNotFoundException(name + " (refused by the test)");
        }
        if (!name.startsWith("dev.outpost.")) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                    if (in == null) {
                        throw new ClassNotFoundException(name);
                    }
                    byte[] bytes = in.readAllBytes();
                    c = defineClass(name, bytes, 0, bytes.length);
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
            return c;
        }
    }
}
