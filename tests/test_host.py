"""Reading the host app before writing into it: its clients type and its test setup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold._project import Clients, read_clients, read_test_setup


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def reader(root: Path):  # type: ignore[no-untyped-def]
    def read(rel: str) -> bytes | None:
        path = root / rel
        return path.read_bytes() if path.is_file() else None

    return read


CLASS = "import { IOClients } from '@vtex/api'\nexport class Clients extends IOClients {}\n"
CONTEXT = (
    "import type { ServiceContext } from '@vtex/api'\nimport type { Clients } from '../clients'\n"
    "declare global {\n  type Context = ServiceContext<Clients>\n}\nexport {}\n"
)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {
                "node/index.ts": "import { Service, IOClients } from '@vtex/api'\n"
                "export default new Service<IOClients>({})\n"
            },
            Clients("IOClients", "", False),
            id="wishlist-IOClients-type-argument",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "export default new Service({})\n"
            },
            Clients("IOClients", "", False),
            id="no-clients-at-all",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import { Clients } from './clients'\n"
                "export default new Service({ clients: { implementation: Clients } })\n",
                "node/clients/index.ts": CLASS,
            },
            Clients("Clients", "../clients", False),
            id="inline-implementation",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import clients from './clients'\n"
                "import type { Clients as Bag } from './clients'\n"
                "export default new Service<Bag>({ clients })\n",
                "node/clients/index.ts": CLASS + "export default { implementation: Clients }\n",
                "node/typings/global.d.ts": CONTEXT,
            },
            Clients("Clients", "../clients", True),
            id="seller-style-type-argument-aliased-and-global-context",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import clients from './config'\n"
                "export default new Service({ clients })\n",
                "node/config.ts": "import { Clients } from './services/io'\n"
                "export default { implementation: Clients }\n",
                "node/services/io.ts": CLASS,
            },
            Clients("Clients", "../services/io", False),
            id="clients-declared-in-another-file",
        ),
        pytest.param(
            {
                "node/index.ts": "import { IOClients, Service } from '@vtex/api'\n"
                "class Clients extends IOClients {}\n"
                "export default new Service<Clients>({ clients: { implementation: Clients } })\n"
            },
            Clients("IOClients", "", False),
            id="not-exported-falls-back-to-IOClients",
        ),
        pytest.param(
            {
                "node/index.ts": "import { Service } from '@vtex/api'\n"
                "import { Clients } from './clients'\n"
                "export default new Service<Clients>({})\n"
            },
            Clients("IOClients", "", False),
            id="module-missing-falls-back-to-IOClients",
        ),
    ],
)
def test_clients_type_is_read_from_the_service(
    tmp_path: Path, files: dict[str, str], expected: Clients
) -> None:
    root = tree(tmp_path, files)
    assert read_clients(root, reader(root)) == expected


def package(deps: dict[str, str]) -> str:
    return json.dumps({"devDependencies": deps})


@pytest.mark.parametrize(
    ("files", "ready", "why"),
    [
        ({"node/package.json": package({"typescript": "5"})}, False, "no jest"),
        ({"node/package.json": package({"jest": "29"})}, False, "no @types/jest"),
        (
            {
                "node/package.json": package({"jest": "29", "@types/jest": "29"}),
                "node/tsconfig.json": '{"compilerOptions": {"types": ["node"]}}',
            },
            False,
            'without "jest"',
        ),
        (
            {
                "node/package.json": package({"@vtex/test-tools": "3", "@types/jest": "29"}),
                "node/tsconfig.json": (
                    '{\n  // VTEX style\n  "compilerOptions": {"types": ["node", "jest"],},\n}'
                ),
            },
            True,
            "",
        ),
        (
            {
                "node/package.json": package({"jest": "29", "@types/jest": "29"}),
                "node/tsconfig.json": '{"compilerOptions": {"types": ["node"]}}',
                "node/__tests__/tsconfig.json": '{"compilerOptions": {"types": ["jest"]}}',
            },
            True,
            "",
        ),
        ({"node/package.json": package({"jest": "29", "@types/jest": "29"})}, True, ""),
    ],
)
def test_test_setup_is_read_from_package_and_tsconfig(
    tmp_path: Path, files: dict[str, str], ready: bool, why: str
) -> None:
    setup = read_test_setup(reader(tree(tmp_path, files)))
    assert setup.ready is ready
    assert why in setup.reason
