"""The deterministic demo brand: canonical CSV files generated from a seed and loaded by import."""

from demo.load import STEPS, DemoRun, load_demo, run_demo

__all__ = ["STEPS", "DemoRun", "load_demo", "run_demo"]
