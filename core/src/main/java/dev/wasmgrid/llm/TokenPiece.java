package dev.wasmgrid.llm;

/**
 * A generated token and the text it adds (possibly empty: a character split over byte tokens
 * appears with its last byte, and text that may start a stop string waits until it cannot).
 */
public record TokenPiece(int id, String text) {}
