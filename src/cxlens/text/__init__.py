"""Text analytics: PII masking, language-aware analysers."""
