<?php
declare(strict_types=1);

namespace SalesChannel\Reservations\Api;

/**
 * Applies one reservation command of the Sales Channel pipeline to MSI, at most once per key.
 *
 * @api
 */
interface ReservationCommandInterface
{
    /**
     * Append the command's reservations unless its reservation_key was applied before.
     *
     * Quantities follow MSI's sign convention: negative holds stock (lowers the salable
     * quantity), positive gives it back. A repeated key appends nothing.
     *
     * @param \SalesChannel\Reservations\Api\Data\CommandInterface $command
     * @return \SalesChannel\Reservations\Api\Data\ResultInterface
     * @throws \Magento\Framework\Exception\InputException
     * @throws \Magento\Framework\Exception\CouldNotSaveException
     */
    public function execute(
        \SalesChannel\Reservations\Api\Data\CommandInterface $command
    ): \SalesChannel\Reservations\Api\Data\ResultInterface;
}
