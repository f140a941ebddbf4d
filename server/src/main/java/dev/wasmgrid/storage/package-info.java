/** What a node keeps on disk across restarts: files written so that a crash never tears them. */
package dev.wasmgrid.storage;
