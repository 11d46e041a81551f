"""Generates reward_client/_gen/ (the gRPC stubs of reward.proto) from the
repository's proto/ when the package is built by pip (`pip install
client/python`), with grpcio-tools' protoc; the Bazel build makes the same
files with Debian's protoc (and the health service's, which pip installs take
from grpcio-health-checking). Nothing generated is kept in git."""
import pathlib

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent
PROTO = HERE.parent.parent / "proto"


class BuildWithStubs(build_py):
    def run(self):
        gen = HERE / "reward_client" / "_gen"
        if not (gen / "reward" / "v1" / "reward_pb2.py").exists():
            import grpc_tools
            from grpc_tools import protoc
            include = pathlib.Path(grpc_tools.__file__).parent / "_proto"
            gen.mkdir(parents=True, exist_ok=True)
            if protoc.main(["protoc", "-I" + str(include), "-I" + str(PROTO), "--python_out=" + str(gen),
                            "--grpc_python_out=" + str(gen), str(PROTO / "reward" / "v1" / "reward.proto")]) != 0:
                raise RuntimeError("protoc failed on proto/reward/v1/reward.proto")
            for d in ("reward", "reward/v1"):
                (gen / d / "__init__.py").touch()
        super().run()


setup(cmdclass={"build_py": BuildWithStubs},
      package_data={"reward_client": ["_gen/**/*.py"]})
