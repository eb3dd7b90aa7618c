"""`make bench`: every benchmark, one after another, printed side by side."""
from benchmarks import generator_speed


def main() -> None:
    print("== generator: 200,000 people ==")
    for key, value in generator_speed.measure(200_000).items():
        print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
