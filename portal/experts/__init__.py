"""Experience experts and the experience bank ("kokemuspankki").

Staff file requests for an experience expert; the coordinator ranks matching experts
(``matching.py``, pure), proposes one, the expert accepts or declines, and the staff
contact confirms afterwards that the assignment took place, which makes it fee-eligible.
"""
