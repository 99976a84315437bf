package dev.outpost.gateway.sink.prometheus;

import java.util.Arrays;

/**
 * The labels of one sample being built, reused from sample to sample: set by name with a priority (a higher one
 * replaces a lower one; equal priorities join values with ";", as the Collector does for attribute keys that
 * sanitize to one name), then sorted by name, as remote write requires.
 */
final class LabelBuffer {
    /** Who set a label, lowest first. */
    static final int RESOURCE = 0;
    static final int ATTRIBUTE = 1;
    static final int IDENTITY = 2;
    static final int SERIES = 3;
    /** outpost_org and outpost_agent: from the certificate; nothing in a payload may replace them. */
    static final int STAMPED = 4;

    private String[] names = new String[32];
    private String[] values = new String[32];
    private int[] priorities = new int[32];
    private int size;

    void clear() {
        size = 0;
    }

    int size() {
        return size;
    }

    String name(int i) {
        return names[i];
    }

    String value(int i) {
        return values[i];
    }

    void set(String name, String value, int priority) {
        for (int i = 0; i < size; i++) {
            if (names[i].equals(name)) {
                if (priority > priorities[i]) {
                    values[i] = value;
                    priorities[i] = priority;
                } else if (priority == priorities[i] && priority == ATTRIBUTE) {
                    values[i] = values[i] + ";" + value;
                }
                return;
            }
        }
        if (size == names.length) {
            names = Arrays.copyOf(names, size * 2);
            values = Arrays.copyOf(values, size * 2);
            priorities = Arrays.copyOf(priorities, size * 2);
        }
        names[size] = name;
        values[size] = value;
        priorities[size] = priority;
        size++;
    }

    /** Sorts by name (insertion sort: label sets are small). */
    void sort() {
        for (int i = 1; i < size; i++) {
            String n = names[i];
            String v = values[i];
            int p = priorities[i];
            int j = i - 1;
            while (j >= 0 && names[j].compareTo(n) > 0) {
                names[j + 1] = names[j];
                values[j + 1] = values[j];
                priorities[j + 1] = priorities[j];
                j--;
            }
            names[j + 1] = n;
            values[j + 1] = v;
            priorities[j + 1] = p;
        }
    }
}
