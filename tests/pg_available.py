"""Exit 0 when the PostgreSQL server in argv[1] answers, 1 otherwise (used by `make test`)."""

import asyncio
import sys


async def main(dsn: str) -> int:
    import asyncpg

    from app.db import postgres_config

    try:
        conn = await asyncio.wait_for(asyncpg.connect(**postgres_config(dsn)), timeout=5)
    except Exception as exc:  # any failure means "not available", said on stderr
        print(f"PostgreSQL not available: {exc}", file=sys.stderr)
        return 1
    await conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
