/**
 * Config files for both programs: {@link dev.outpost.wire.config.ConfigLoader} reads a YAML file and environment
 * overrides into an immutable record, and reports every unknown key and bad value with its file line or variable.
 */
package dev.outpost.wire.config;
