"""The one loader of configuration files: a bad file is refused naming the file and the field,
never the value written there."""

from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from shared.catalogue import CatalogueError, load_catalogue
from shared.config_file import ConfigFileError, load_config
from shared.scheme import SchemeError, load_scheme
from shared.sharing import SharingPolicyError, load_sharing_policy


class Example(BaseModel):
    name: str
    visits: int = Field(ge=0)


def test_a_good_file_loads_as_its_model(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text("name: Testtown\nvisits: 3\n")
    assert load_config(Example, path) == Example(name="Testtown", visits=3)


def test_a_wrong_field_is_named_with_the_file_and_the_value_is_not(tmp_path: Path) -> None:
    path = tmp_path / "example.yaml"
    path.write_text("name: Testtown\nvisits: -77123\n")
    with pytest.raises(ConfigFileError) as caught:
        load_config(Example, path)
    message = str(caught.value)
    assert str(path) in message and "visits:" in message
    assert "77123" not in message


def test_a_missing_file_and_a_file_that_is_not_yaml_say_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="cannot be read"):
        load_config(Example, tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(ConfigFileError, match="not valid YAML"):
        load_config(Example, broken)


@pytest.mark.parametrize(
    ("load", "error"),
    [(load_scheme, SchemeError), (load_catalogue, CatalogueError), (load_sharing_policy, SharingPolicyError)],
)
def test_every_configuration_file_goes_through_the_one_loader(tmp_path: Path, load, error) -> None:
    path = tmp_path / "empty-list.yaml"
    path.write_text("[]\n")
    with pytest.raises(error) as caught:
        load(path)
    assert isinstance(caught.value, ConfigFileError)
    assert str(path) in str(caught.value)
