"""Argument checks shared by the registered components, so that every bad
constructor argument is refused with the same kind of sentence: the
component, the argument, what is allowed and what was given."""
from numbers import Real
from typing import Any, Iterable, Optional


def check_int(owner: str, minimum: int = 1, **values: Any) -> None:
    """Refuse any of ``values`` that is not an integer ``>= minimum``.

    ``bool`` is refused too (``True`` is an ``int`` to Python, never a
    count in a config).

    Args:
        owner (str): The component, first word of the message.
        minimum (int): The least allowed value. Defaults to 1.
        **values: The arguments to check, by name.

    Raises:
        ValueError: Naming the first bad argument and its value.

    Example:
        >>> check_int('ProjectionNeck', in_channels=0)
        Traceback (most recent call last):
        ...
        ValueError: ProjectionNeck: in_channels must be an integer >= 1, \
got 0
    """
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) \
                or value < minimum:
            raise ValueError(f'{owner}: {name} must be an integer >= '
                             f'{minimum}, got {value!r}')


def check_number(owner: str,
                 name: str,
                 value: Any,
                 minimum: Optional[float] = None,
                 maximum: Optional[float] = None,
                 strict_minimum: bool = False) -> None:
    """Refuse a ``value`` that is not a real number in the given range.

    Args:
        owner (str): The component, first word of the message.
        name (str): The argument's name.
        value: The argument.
        minimum (float, optional): The least allowed value.
        maximum (float, optional): The largest allowed value.
        strict_minimum (bool): ``value`` must be above ``minimum``, not
            equal to it. Defaults to False.

    Raises:
        ValueError: Naming the argument, the allowed range and the value.
    """
    low = '' if minimum is None else (f'> {minimum}'
                                      if strict_minimum else f'>= {minimum}')
    if minimum is not None and maximum is not None:
        allowed = f'in [{minimum}, {maximum}]' if not strict_minimum \
            else f'in ({minimum}, {maximum}]'
    elif minimum is not None:
        allowed = low
    elif maximum is not None:
        allowed = f'<= {maximum}'
    else:
        allowed = 'a number'
    ok = isinstance(value, Real) and not isinstance(value, bool) \
        and value == value  # NaN fails every comparison but not this one
    if ok and minimum is not None:
        ok = value > minimum if strict_minimum else value >= minimum
    if ok and maximum is not None:
        ok = value <= maximum
    if not ok:
        raise ValueError(f'{owner}: {name} must be {allowed}, got {value!r}')


def check_choice(owner: str, name: str, value: Any,
                 choices: Iterable[Any]) -> None:
    """Refuse a ``value`` that is not one of ``choices``.

    Raises:
        ValueError: Naming the argument, the choices and the value.
    """
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(
            f'{owner}: {name} must be one of {choices}, got {value!r}')
