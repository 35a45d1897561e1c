"""The invented Bao'an directory of the demo and the tests: 52 member units, 3,183 persons
(``generate_baoan_directory``), and the unit and name data it draws on (``baoan``)."""
