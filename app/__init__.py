"""Hanoi online public service agents (Đại lý dịch vụ công trực tuyến)."""

import os

# Piccolo finds its configuration through this variable; ours lives in the package.
os.environ.setdefault("PICCOLO_CONF", "app.piccolo_conf")
